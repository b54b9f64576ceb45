"""Every page route's authorisation decision, one module per area (each area's pages are
decided beside each other; ``test_page_matrix`` checks them all)."""

from __future__ import annotations

from web.rules import cases, check, conduct, core, finances, lender, loans, plans

from .base import Form, Page

AREAS = (core, finances, loans, plans, check, cases, conduct, lender)


def _merged(name: str) -> dict[tuple[str, str], object]:
    merged: dict[tuple[str, str], object] = {}
    for area in AREAS:
        for key, value in getattr(area, name, {}).items():
            assert key not in merged, f"{key} decided twice"
            merged[key] = value
    return merged


PAGES: dict[tuple[str, str], Page] = _merged("PAGES")  # type: ignore[assignment]
FORMS: dict[tuple[str, str], Form] = _merged("FORMS")  # type: ignore[assignment]
PUBLIC: frozenset[tuple[str, str]] = frozenset().union(*(getattr(a, "PUBLIC", ()) for a in AREAS))

__all__ = ["FORMS", "PAGES", "PUBLIC", "Form", "Page"]
