"""The lender desk's rules outside the pages: how a borrower is masked for staff, and the
suggested counter-offer within policy (checked against the domain's own policy check)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xieshang.domain.counter_suggestion import within_policy
from xieshang.domain.lender_policy import PolicyLimits, proposal_breaches
from xieshang.domain.masking import mask_name
from xieshang.domain.offer_terms import terms_from_record
from xieshang.web.routes_lender import form_of_terms, terms_of_form


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("李明 Li Ming", "李*"),
        ("欧阳娜娜", "欧*"),
        ("wang fang", "W*"),
        ("", "*"),
        ("   ", "*"),
        (None, "*"),
        ("li.ming@example.com", "L*"),
        ("110101199003070012", "*"),
        ("+86 138 0013 8000", "*"),
    ],
)
def test_a_borrower_is_shown_to_staff_by_one_letter_and_a_star(name, shown):
    assert mask_name(name) == shown
    assert len(mask_name(name)) <= 2


def _breaches(record, limits):
    terms = terms_from_record(record)
    return [
        {"loan_id": "1", "code": b.code, "value": b.value, "limit": b.limit}
        for b in proposal_breaches(
            terms.loans[0].proposal, limits, waived=Decimal(0), owed=Decimal(1000)
        )
    ]


def test_the_suggestion_brings_each_breached_limit_within_policy_and_keeps_the_rest():
    limits = PolicyLimits(max_extension_months=24, max_installments=36)
    record = {
        "start": "2026-12-01",
        "note": "请考虑",
        "loans": [
            {
                "loan_id": "1",
                "concessions": [
                    {"kind": "extension", "extra_months": 48},
                    {"kind": "reageing", "installments": 40},
                    {"kind": "rate", "new_annual_rate": "0.05"},
                ],
            }
        ],
    }
    breaches = _breaches(record, limits)
    assert {b["code"] for b in breaches} == {
        "policy.extension_too_long",
        "policy.too_many_installments",
    }
    suggested = within_policy(record, breaches)
    assert _breaches(suggested, limits) == []
    kinds = {c["kind"]: c for c in suggested["loans"][0]["concessions"]}
    assert kinds["extension"]["extra_months"] == 24
    assert kinds["reageing"]["installments"] == 36
    assert kinds["rate"]["new_annual_rate"] == "0.05"
    assert suggested["note"] == "请考虑"
    assert record["loans"][0]["concessions"][0]["extra_months"] == 48  # the original kept


def test_the_suggested_settlement_and_rate_rise_to_the_policy_floor():
    limits = PolicyLimits(min_settlement_percent=Decimal("0.6"), min_annual_rate=Decimal("0.04"))
    settle = {
        "start": "2026-12-01",
        "loans": [
            {
                "loan_id": "1",
                "concessions": [{"kind": "settlement", "percent": "0.4", "installments": 3}],
            }
        ],
    }
    suggested = within_policy(settle, _breaches(settle, limits))
    assert suggested["loans"][0]["concessions"][0]["percent"] == "0.6"
    assert _breaches(suggested, limits) == []
    rate = {
        "start": "2026-12-01",
        "loans": [{"loan_id": "1", "concessions": [{"kind": "rate", "new_annual_rate": "0.01"}]}],
    }
    assert _breaches(within_policy(rate, _breaches(rate, limits)), limits) == []


def test_the_builder_reads_back_the_terms_it_shows_and_flags_what_it_cannot_show():
    record = {
        "start": "2026-12-01",
        "note": "请考虑",
        "loans": [
            {
                "loan_id": "7",
                "concessions": [
                    {"kind": "extension", "extra_months": 12, "include_overdue_principal": True},
                    {"kind": "rate", "new_annual_rate": "0.08"},
                    {"kind": "waiver", "target": "penalty", "fraction": "0.5"},
                    {"kind": "waiver", "target": "fees", "fraction": "0.5"},
                    {"kind": "first_payment", "amount": "300.00"},
                ],
            }
        ],
    }
    form = form_of_terms(record)
    assert form["l7_extension"] == "12" and form["l7_extension_overdue"] == "1"
    assert form["l7_rate"] == "8" and form["l7_waive_share"] == "50"
    assert "left_out" not in form
    again = terms_of_form(form, (7,))
    assert terms_from_record(again) == terms_from_record(record)

    fixed = {
        "start": "2026-12-01",
        "loans": [
            {
                "loan_id": "7",
                "concessions": [{"kind": "waiver", "target": "penalty", "amount": "100"}],
            }
        ],
    }
    assert form_of_terms(fixed)["left_out"] == "1"
