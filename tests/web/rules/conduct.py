"""Authorisation decisions for the conduct pages (see web.rules.base).

The log is the borrower's evidence against collectors: the borrower and the counselor working on
their file reach it; lender staff never do (403), whatever the borrower shared with them.
"""

from __future__ import annotations

from web.rules.base import (
    NO_CLIENT_CHOSEN,
    OWN_FILE,
    OWNER_OBJECT,
    UNSEEN_BY_OTHER_BORROWER,
    Form,
    Page,
)

PAGES: dict[tuple[str, str], Page] = {
    ("GET", "/conduct"): Page(lambda w: "/conduct", OWN_FILE, to_clients=NO_CLIENT_CHOSEN),
    ("GET", "/conduct/new"): Page(lambda w: "/conduct/new", OWN_FILE, to_clients=NO_CLIENT_CHOSEN),
    # Without contacts the page says there is nothing to complain about (still a 200).
    ("GET", "/conduct/complaint"): Page(
        lambda w: "/conduct/complaint", OWN_FILE, to_clients=NO_CLIENT_CHOSEN
    ),
}
FORMS: dict[tuple[str, str], Form] = {
    ("POST", "/conduct/new"): Form(
        lambda w: "/conduct/new",
        OWN_FILE,
        data=lambda w: {
            "at": "2026-03-01T23:30",
            "organisation": "Matrix Collections",
            "channel": "call",
            "contacted": "debtor",
            "effective": "1",
        },
        to_clients=NO_CLIENT_CHOSEN,
    ),
    # A record in the owner's file (the world records none: test_conduct_pages deletes real
    # ones, and shows another borrower and a counselor's other client are told "not found").
    ("POST", "/conduct/{contact_id}/delete"): Form(
        lambda w: "/conduct/1/delete",
        OWNER_OBJECT,
        unseen=UNSEEN_BY_OTHER_BORROWER,
        to_clients=NO_CLIENT_CHOSEN,
    ),
}
PUBLIC: frozenset[tuple[str, str]] = frozenset()
