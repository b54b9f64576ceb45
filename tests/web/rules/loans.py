"""Authorisation decisions for the loans pages (see web.rules.base).

The list and the loan form are of one's own file; a loan, its documents and their files are
objects in the owner's file: the owner and their counselor, and the other borrower is told
they do not exist.  Lender staff have no borrower-file pages (403)."""

from __future__ import annotations

from web.rules.base import (
    NO_CLIENT_CHOSEN,
    OWN_FILE,
    OWNER_OBJECT,
    UNSEEN_BY_OTHER_BORROWER,
    Form,
    Page,
)


def _loan(w) -> str:
    return f"/loans/{w.loans['owner']}"


def _doc(w) -> str:
    return f"/documents/{w.documents['owner']}"


def _owner_object(url) -> Page:
    return Page(url, OWNER_OBJECT, unseen=UNSEEN_BY_OTHER_BORROWER, to_clients=NO_CLIENT_CHOSEN)


PAGES: dict[tuple[str, str], Page] = {
    ("GET", "/loans"): Page(lambda w: "/loans", OWN_FILE, to_clients=NO_CLIENT_CHOSEN),
    ("GET", "/loans/new"): Page(lambda w: "/loans/new", OWN_FILE, to_clients=NO_CLIENT_CHOSEN),
    ("GET", "/loans/{loan_id}"): _owner_object(_loan),
    ("GET", "/loans/{loan_id}/edit"): _owner_object(lambda w: f"{_loan(w)}/edit"),
    ("GET", "/loans/{loan_id}/documents/{document_id}"): _owner_object(
        lambda w: f"{_loan(w)}/documents/{w.documents['owner']}"
    ),
    ("GET", "/documents/{document_id}/file"): _owner_object(lambda w: f"{_doc(w)}/file"),
}

LOAN_FORM = {
    "lender": "某消费金融",
    "lender_type": "consumer_finance",
    "contract_date": "2026-01-05",
    "start": "2026-01-05",
    "principal": "12000",
    "annual_rate": "18",
    "months": "12",
}

FORMS: dict[tuple[str, str], Form] = {
    ("POST", "/loans/new"): Form(
        lambda w: "/loans/new", OWN_FILE, data=lambda w: LOAN_FORM, to_clients=NO_CLIENT_CHOSEN
    ),
    ("POST", "/loans/{loan_id}/edit"): Form(
        lambda w: f"{_loan(w)}/edit",
        OWNER_OBJECT,
        data=lambda w: LOAN_FORM,
        unseen=UNSEEN_BY_OTHER_BORROWER,
        to_clients=NO_CLIENT_CHOSEN,
    ),
    ("POST", "/loans/{loan_id}/delete"): Form(
        lambda w: f"{_loan(w)}/delete",
        OWNER_OBJECT,
        data=lambda w: {"confirm": "yes"},
        unseen=UNSEEN_BY_OTHER_BORROWER,
        to_clients=NO_CLIENT_CHOSEN,
    ),
    ("POST", "/loans/{loan_id}/documents"): Form(
        lambda w: f"{_loan(w)}/documents",
        OWNER_OBJECT,
        data=lambda w: {"kind": "contract"},
        unseen=UNSEEN_BY_OTHER_BORROWER,
        to_clients=NO_CLIENT_CHOSEN,
    ),
    ("POST", "/documents/{document_id}/delete"): Form(
        lambda w: f"{_doc(w)}/delete",
        OWNER_OBJECT,
        data=lambda w: {"confirm": "yes"},
        unseen=UNSEEN_BY_OTHER_BORROWER,
        to_clients=NO_CLIENT_CHOSEN,
    ),
}
PUBLIC: frozenset[tuple[str, str]] = frozenset()
