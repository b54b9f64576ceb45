"""The borrower's statement of finances: the form, live capacity, the printable statement."""

from __future__ import annotations

from .session import page_router

router = page_router()
