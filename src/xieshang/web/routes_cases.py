"""A borrower's (or their counselor's) cases: opening one, the timeline and every action."""

from __future__ import annotations

from .session import page_router

router = page_router()
