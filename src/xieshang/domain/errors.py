"""Precise domain errors: a machine code, the field at fault and parameters, never prose.

Faces (CLI, API, web) translate ``code`` into the user's language; the domain stays free of
translation.  ``str(error)`` is an English fallback for developers and logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any


class DomainError(ValueError):
    """An input or state the domain refuses, named by ``code`` and ``field``.

    >>> e = DomainError("amount.negative", field="principal", value="-1")
    >>> (e.code, e.field, e.params["value"])
    ('amount.negative', 'principal', '-1')
    """

    def __init__(self, code: str, *, field: str | None = None, **params: Any) -> None:
        self.code = code
        self.field = field
        self.params: Mapping[str, Any] = MappingProxyType(dict(params))
        detail = ", ".join(f"{k}={v}" for k, v in params.items())
        where = f" [{field}]" if field else ""
        super().__init__(f"{code}{where}" + (f": {detail}" if detail else ""))


class ConvergenceError(DomainError):
    """A numeric solver could not find a root it can vouch for."""
