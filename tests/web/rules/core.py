"""Authorisation decisions for the start pages, the landings and the counselor's clients."""

from __future__ import annotations

from web.rules.base import Form, Page

PAGES: dict[tuple[str, str], Page] = {
    ("GET", "/dashboard"): Page(lambda w: "/dashboard", frozenset({"owner", "other_borrower"})),
    ("GET", "/desk"): Page(lambda w: "/desk", frozenset({"agent", "supervisor", "other_agent"})),
    ("GET", "/clients"): Page(lambda w: "/clients", frozenset({"counselor", "other_counselor"})),
    ("GET", "/clients/{borrower_id}"): Page(
        lambda w: f"/clients/{w.people['owner'].id}",
        frozenset({"counselor"}),
        unseen=frozenset({"other_counselor"}),
    ),
}
PUBLIC = frozenset(
    {
        ("GET", "/"),
        ("GET", "/login"),
        ("POST", "/login"),
        ("GET", "/signup"),
        ("POST", "/signup"),
        ("POST", "/logout"),  # ends the caller's own session only
        ("POST", "/lang"),
        # The caller's own two-step login set-up (tests/web/test_totp_pages.py).
        ("GET", "/totp"),
        ("POST", "/totp/secret"),
        ("POST", "/totp/confirm"),
    }
)
FORMS: dict[tuple[str, str], Form] = {
    ("POST", "/clients/{borrower_id}/switch"): Form(
        lambda w: f"/clients/{w.people['owner'].id}/switch",
        frozenset({"counselor"}),
        unseen=frozenset({"other_counselor"}),
    ),
}
