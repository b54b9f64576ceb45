"""Authorisation decisions for the lender pages (see web.rules.base).

The case view and its forms are for the staff of the case's organisation (the agent and the
supervisor); the other lender's agent is told the case does not exist; borrowers and
counselors are refused.  Approvals are the supervisor's; the portfolio is every staff
member's own organisation's."""

from __future__ import annotations

from web.rules.base import Form, Page

STAFF = frozenset({"agent", "supervisor"})
OTHER_LENDER = frozenset({"other_agent"})


def _case(path: str = "") -> Page:
    return Page(lambda w: f"/desk/cases/{w.cases['owner']}{path}", STAFF, unseen=OTHER_LENDER)


def _form(path: str, data: dict[str, str]) -> Form:
    return Form(
        lambda w: f"/desk/cases/{w.cases['owner']}{path}",
        STAFF,
        data=lambda w: data,
        unseen=OTHER_LENDER,
    )


PAGES: dict[tuple[str, str], Page] = {
    ("GET", "/desk/cases/{case_id}"): _case(),
    ("GET", "/desk/approvals"): Page(lambda w: "/desk/approvals", frozenset({"supervisor"})),
    ("GET", "/portfolio"): Page(
        lambda w: "/portfolio", frozenset({"agent", "supervisor", "other_agent"})
    ),
}
FORMS: dict[tuple[str, str], Form] = {
    ("POST", "/desk/cases/{case_id}/offers"): _form("/offers", {"start": "2026-04-01"}),
    ("POST", "/desk/cases/{case_id}/actions"): _form("/actions", {"action": "reject"}),
    ("POST", "/desk/cases/{case_id}/assignee"): _form("/assignee", {"assignee_id": ""}),
    ("POST", "/desk/cases/{case_id}/sign"): _form("/sign", {"password": "x", "consent": "x"}),
    ("POST", "/desk/cases/{case_id}/payments"): _form(
        "/payments",
        {"amount": "100", "paid_on": "2026-03-02", "channel": "cash", "external_ref": "r1"},
    ),
}
PUBLIC: frozenset[tuple[str, str]] = frozenset()
