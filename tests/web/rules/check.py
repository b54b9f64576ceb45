"""Authorisation decisions for "Before you borrow" (see web.rules.base).

The calculator is for every logged-in caller; it shows the caller's own figures (a borrower's
capacity, or a counselor's chosen client's), so it is not public: a visitor is sent to /login.
Its POST stores nothing, so the matrix never needs to post it as an allowed caller.
"""

from __future__ import annotations

from web.rules.base import Form, Page

EVERYONE = frozenset(
    {
        "owner",
        "other_borrower",
        "agent",
        "supervisor",
        "other_agent",
        "counselor",
        "other_counselor",
    }
)
OFFER = {
    "lender_type": "bank",
    "principal": "10000",
    "months": "12",
    "method": "annuity",
    "annual_rate": "12",
}

PAGES: dict[tuple[str, str], Page] = {
    ("GET", "/check"): Page(lambda w: "/check", EVERYONE),
}
FORMS: dict[tuple[str, str], Form] = {
    ("POST", "/check"): Form(lambda w: "/check", EVERYONE, data=lambda w: dict(OFFER)),
}
PUBLIC: frozenset[tuple[str, str]] = frozenset()
