"""The collection-conduct log and the complaint draft."""

from __future__ import annotations

from .session import page_router

router = page_router()
