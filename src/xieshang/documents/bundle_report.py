"""What checking an evidence bundle found: the first failure (where, which code) and the facts.

Shared by the checks of ``bundle_verify`` and ``bundle_records``; a check stops at its first
failure by raising :class:`CheckFailedError`, which ``verify_bundle`` turns into the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .bundle_format import LOG

KEY_GIVEN = "given"
KEY_BUNDLE = "bundle"
CONTAINER = "ZIP"  # the item named for the container as a whole


@dataclass(frozen=True, slots=True)
class BundleFailure:
    """The first thing that failed: ``item`` says where (``"log.jsonl entry 17"``,
    ``"documents/01-合同.pdf"``, ``"ZIP"``); ``member`` and ``line`` say the same as data
    (``line`` is the entry or line number, from 1); ``code`` is a ``bundle.*`` message code
    and ``detail`` its parameters (``reason``, when present, is a message code too)."""

    item: str
    code: str
    detail: Mapping[str, str | int]
    member: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class BundleReport:
    """The outcome of :func:`verify_bundle`, with what was learnt on the way.

    ``key_source`` is ``"given"`` or ``"bundle"`` (the bundle's own key: integrity, not
    origin); ``key_fingerprint`` the SHA-256 of the raw public key used.  The case facts come
    from the manifest and are ``None`` when it could not be read.
    """

    ok: bool
    failure: BundleFailure | None
    key_source: str
    key_fingerprint: str | None
    case_id: str | None
    case_reference: str | None
    exported_at: str | None
    events: int | None
    head: str | None
    files: int
    checkpoints: int
    receipts: int
    payments: int


class CheckFailedError(Exception):
    """Raised by a check at the first failure; carries it."""

    def __init__(self, failure: BundleFailure) -> None:
        super().__init__(failure.code)
        self.failure = failure


def failure(member: str, code: str, line: int | None = None, **detail: str | int) -> BundleFailure:
    """A failure at ``member`` (entry or line ``line``), its ``item`` written out.

    >>> failure("log.jsonl", "bundle.log_entry_invalid", 17).item
    'log.jsonl entry 17'
    """
    if line is None:
        item = member or CONTAINER
    else:
        item = f"{member} {'entry' if member == LOG else 'line'} {line}"
    return BundleFailure(item, code, detail, member or CONTAINER, line)


def fail(member: str, code: str, line: int | None = None, **detail: str | int) -> CheckFailedError:
    """The exception that reports a failure at ``member`` (see :func:`failure`)."""
    return CheckFailedError(failure(member, code, line, **detail))
