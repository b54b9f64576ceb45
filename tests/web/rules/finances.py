"""Authorisation decisions for the finances pages (see web.rules.base): the statement form and
the printable statement are pages of one's own file."""

from __future__ import annotations

from web.rules.base import NO_CLIENT_CHOSEN, OWN_FILE, Form, Page

PAGES: dict[tuple[str, str], Page] = {
    ("GET", "/finances"): Page(lambda w: "/finances", OWN_FILE, to_clients=NO_CLIENT_CHOSEN),
    ("GET", "/finances/print"): Page(
        lambda w: "/finances/print", OWN_FILE, to_clients=NO_CLIENT_CHOSEN
    ),
}
FORMS: dict[tuple[str, str], Form] = {
    ("POST", "/finances"): Form(
        lambda w: "/finances",
        OWN_FILE,
        data=lambda w: {"action": "save", "adults": "1", "income-0-amount": "1"},
        to_clients=NO_CLIENT_CHOSEN,
    ),
}
PUBLIC: frozenset[tuple[str, str]] = frozenset()
