"""The borrower's loans: list, detail (terms, schedule, true APR, legal-cap finding), documents."""

from __future__ import annotations

from .session import page_router

router = page_router()
