"""Lender staff: a case at the desk (evaluation, counter-offers, approval, payments) and
portfolio figures."""

from __future__ import annotations

from .session import page_router

router = page_router()
