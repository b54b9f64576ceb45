"""Authorisation decisions for the plans pages (see web.rules.base)."""

from __future__ import annotations

from web.rules.base import NO_CLIENT_CHOSEN, OWN_FILE, UNSEEN_BY_OTHER_BORROWER, Form, Page

PAGES: dict[tuple[str, str], Page] = {
    # The plan of one's own file: a borrower's own, the counselor's chosen client's.
    ("GET", "/plans"): Page(lambda w: "/plans", OWN_FILE, to_clients=NO_CLIENT_CHOSEN),
    ("GET", "/plans/compare"): Page(
        lambda w: "/plans/compare", OWN_FILE, to_clients=NO_CLIENT_CHOSEN
    ),
}
FORMS: dict[tuple[str, str], Form] = {
    # Opening cases from a plan that names the owner's loan: only the owner's side; the
    # other borrower acts on their own file, where that loan does not exist.
    ("POST", "/plans/cases"): Form(
        lambda w: "/plans/cases",
        frozenset({"owner", "counselor"}),
        data=lambda w: {"plan": f"kind_{w.loans['owner']}=extension&months_{w.loans['owner']}=6"},
        unseen=UNSEEN_BY_OTHER_BORROWER,
        to_clients=NO_CLIENT_CHOSEN,
    ),
}
PUBLIC: frozenset[tuple[str, str]] = frozenset()
