"""The plan builder: concessions per loan, allocation strategy, side-by-side comparison."""

from __future__ import annotations

from .session import page_router

router = page_router()
