"""Authorisation decisions for the check pages (see web.rules.base)."""

from __future__ import annotations

from web.rules.base import Form, Page

PAGES: dict[tuple[str, str], Page] = {}
FORMS: dict[tuple[str, str], Form] = {}
PUBLIC: frozenset[tuple[str, str]] = frozenset()
