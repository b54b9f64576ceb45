"""Authorisation decisions for the cases pages (see web.rules.base).

The list and the new-case form are of one's own file; a case, its letters, its agreement and
its evidence are objects in the owner's file: the owner and their counselor, and the other
borrower is told the case does not exist.  Lender staff have no borrower-file pages (403; they
work on a case from /desk/cases/{id})."""

from __future__ import annotations

from web.rules.base import (
    NO_CLIENT_CHOSEN,
    OWN_FILE,
    OWNER_OBJECT,
    UNSEEN_BY_OTHER_BORROWER,
    Form,
    Page,
)


def _case(w) -> str:
    return f"/cases/{w.cases['owner']}"


def _owner_object(url) -> Page:
    return Page(url, OWNER_OBJECT, unseen=UNSEEN_BY_OTHER_BORROWER, to_clients=NO_CLIENT_CHOSEN)


def _case_form(suffix: str, data=lambda w: {}) -> Form:
    return Form(
        lambda w: f"{_case(w)}/{suffix}",
        OWNER_OBJECT,
        data=data,
        unseen=UNSEEN_BY_OTHER_BORROWER,
        to_clients=NO_CLIENT_CHOSEN,
    )


def _terms(w) -> dict[str, str]:
    loan = w.loans["owner"]
    return {"start": "2026-03-02", f"kind_{loan}": "extension", f"months_{loan}": "6"}


PAGES: dict[tuple[str, str], Page] = {
    ("GET", "/cases"): Page(lambda w: "/cases", OWN_FILE, to_clients=NO_CLIENT_CHOSEN),
    ("GET", "/cases/new"): Page(lambda w: "/cases/new", OWN_FILE, to_clients=NO_CLIENT_CHOSEN),
    ("GET", "/cases/{case_id}"): _owner_object(_case),
    ("GET", "/cases/{case_id}/agreement"): _owner_object(lambda w: f"{_case(w)}/agreement"),
    ("GET", "/cases/{case_id}/letters/{kind}"): _owner_object(
        lambda w: f"{_case(w)}/letters/request_letter?lang=zh"
    ),
    ("GET", "/cases/{case_id}/bundle.zip"): _owner_object(lambda w: f"{_case(w)}/bundle.zip"),
}

FORMS: dict[tuple[str, str], Form] = {
    ("POST", "/cases/new"): Form(
        lambda w: "/cases/new",
        OWN_FILE,
        data=lambda w: {
            "loan_ids": str(w.loans["owner"]),
            "counterparty": "external",
            "external_platform": "某平台",
        },
        to_clients=NO_CLIENT_CHOSEN,
    ),
    ("POST", "/cases/{case_id}/notes"): _case_form(
        "notes", lambda w: {"note_kind": "message", "note_text": "你好"}
    ),
    ("POST", "/cases/{case_id}/submit"): _case_form("submit", _terms),
    ("POST", "/cases/{case_id}/offers"): _case_form("offers", _terms),
    ("POST", "/cases/{case_id}/accept"): _case_form("accept"),
    ("POST", "/cases/{case_id}/actions"): _case_form("actions", lambda w: {"action": "withdraw"}),
    ("POST", "/cases/{case_id}/letters"): _case_form("letters", lambda w: {"reason": "失业"}),
    ("POST", "/cases/{case_id}/agreement/sign"): _case_form(
        "agreement/sign", lambda w: {"consent": "同意", "password": "x" * 12}
    ),
    ("POST", "/cases/{case_id}/payments"): _case_form(
        "payments",
        lambda w: {
            "amount": "100",
            "paid_on": "2026-03-02",
            "pay_channel": "bank_transfer",
            "external_ref": "TX-1",
        },
    ),
    ("POST", "/cases/{case_id}/receipt"): _case_form("receipt"),
}
PUBLIC: frozenset[tuple[str, str]] = frozenset()
