""" "Before you borrow": an offer from a lender checked — true APR, legal cap, capacity."""

from __future__ import annotations

from .session import page_router

router = page_router()
