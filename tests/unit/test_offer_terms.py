"""Offer terms, lender policy and the merged agreement schedule: records read back to the same
typed values, bad records are refused with the field named, policy limits are found exactly at
their edges, and a merged schedule sums to its parts to the fen."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xieshang.domain.agreement import combined_schedule, schedule_from_record, schedule_record
from xieshang.domain.concessions import (
    FirstPayment,
    HolidayInterest,
    InterestStop,
    PaymentHoliday,
    Proposal,
    RateReduction,
    ReAgeing,
    Settlement,
    TermExtension,
    Waiver,
)
from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import canonical_json
from xieshang.domain.lender_policy import (
    DEFAULT_SETTINGS,
    PolicyLimits,
    proposal_breaches,
    settings_from_record,
    settings_record,
)
from xieshang.domain.money import ZERO
from xieshang.domain.offer_terms import (
    LoanTerms,
    OfferTerms,
    concession_from_record,
    concession_record,
    terms_from_record,
    terms_record,
)
from xieshang.domain.proposals import apply_proposal, loan_position

START = date(2026, 12, 1)
ONE = {"start": "2026-12-01", "loans": [{"loan_id": "1"}]}
BAD_RATE = [{"kind": "rate", "new_annual_rate": "x"}]

concessions = st.one_of(
    st.builds(TermExtension, st.integers(1, 60), st.booleans()),
    st.builds(RateReduction, st.decimals("0", "0.24", places=4)),
    st.builds(Waiver, st.sampled_from(["penalty", "fees", "interest", "overdue_interest"])),
    st.builds(
        Waiver,
        st.sampled_from(["penalty", "fees"]),
        fraction=st.decimals("0.01", "1", places=2),
    ),
    st.builds(InterestStop, st.integers(1, 120)),
    st.builds(PaymentHoliday, st.integers(1, 6), st.sampled_from(list(HolidayInterest))),
    st.builds(ReAgeing, st.integers(1, 24)),
    st.builds(Settlement, st.decimals("0.01", "1", places=2), st.integers(1, 24)),
    st.builds(FirstPayment, st.decimals("1", "5000", places=2)),
)


@given(concessions)
def test_a_concession_survives_its_json_record(c):
    wire = json.loads(canonical_json(concession_record(c)))
    assert concession_from_record(wire) == c


def test_offer_terms_survive_their_json_record_with_every_field():
    terms = OfferTerms(
        loans=(
            LoanTerms("7", Proposal((TermExtension(12, True), Waiver("penalty")), label="展期")),
            LoanTerms("9", Proposal((Settlement(Decimal("0.6"), 3),))),
        ),
        start=START,
        first_due=START + timedelta(days=30),
        grace_days=5,
        note="请考虑",
    )
    wire = json.loads(canonical_json(terms_record(terms)))
    assert terms_from_record(wire) == terms


@pytest.mark.parametrize(
    ("record", "code", "field"),
    [
        ({"kind": "teleport"}, "proposal.unknown_concession", "kind"),
        ({"kind": "extension"}, "offer.missing_field", "extra_months"),
        ({"kind": "extension", "extra_months": 6, "x": 1}, "offer.unknown_field", "x"),
        ({"kind": "extension", "extra_months": 6.0}, "amount.float_refused", "extra_months"),
        ({"kind": "extension", "extra_months": True}, "proposal.count_not_integer", "extra_months"),
        ({"kind": "extension", "extra_months": "6"}, "proposal.count_not_integer", "extra_months"),
        ({"kind": "rate", "new_annual_rate": 0.1}, "amount.float_refused", "new_annual_rate"),
        (
            {"kind": "holiday", "months": 2, "interest": "maybe"},
            "proposal.holiday_interest_unknown",
            "interest",
        ),
        ({"kind": "waiver", "target": 3}, "offer.bad_field_type", "target"),
        ("extension", "offer.not_an_object", "concessions"),
    ],
)
def test_a_bad_concession_record_is_refused_naming_the_field(record, code, field):
    with pytest.raises(DomainError) as caught:
        concession_from_record(record)
    assert (caught.value.code, caught.value.field) == (code, field)


@pytest.mark.parametrize(
    ("record", "code"),
    [
        ({**ONE, "loans": []}, "offer.no_loans"),
        ({**ONE, "start": "2026-13-01"}, "calendar.not_a_date"),
        ({**ONE, "loans": [{"loan_id": "1"}, {"loan_id": "1"}]}, "offer.loan_repeated"),
        ({**ONE, "loans": [{"loan_id": ""}]}, "offer.loan_id_missing"),
        ({**ONE, "grace_days": 31}, "offer.grace_days_out_of_range"),
        ({**ONE, "first_due": "2026-12-01"}, "proposal.first_due_not_after_start"),
        ({**ONE, "colour": "red"}, "offer.unknown_field"),
        ({**ONE, "loans": [{"loan_id": "1", "concessions": {}}]}, "offer.not_a_list"),
        ({**ONE, "loans": [{"loan_id": "1", "concessions": BAD_RATE}]}, "amount.not_a_number"),
    ],
)
def test_bad_offer_terms_are_refused_with_a_code(record, code):
    with pytest.raises(DomainError) as caught:
        terms_from_record(record)
    assert caught.value.code == code


def test_policy_limits_are_breached_only_beyond_their_edge():
    limits = PolicyLimits(
        max_extension_months=12,
        min_annual_rate=Decimal("0.06"),
        max_waiver_fraction=Decimal("0.30"),
        min_settlement_percent=Decimal("0.50"),
        max_installments=36,
    )

    def codes(*cs, waived="0", owed="1000"):
        found = proposal_breaches(Proposal(cs), limits, waived=Decimal(waived), owed=Decimal(owed))
        return [b.code for b in found]

    assert codes(TermExtension(12)) == []
    assert codes(TermExtension(13)) == ["policy.extension_too_long"]
    assert codes(RateReduction(Decimal("0.06"))) == []
    assert codes(RateReduction(Decimal("0.0599"))) == ["policy.rate_too_low"]
    assert codes(Settlement(Decimal("0.5"), 36), waived="500") == []
    assert codes(Settlement(Decimal("0.49"), 37), waived="510") == [
        "policy.settlement_too_low",
        "policy.too_many_installments",
    ]
    assert codes(Waiver("penalty"), waived="300") == []
    assert codes(Waiver("penalty"), waived="300.01") == ["policy.waiver_too_large"]
    assert codes(Waiver("penalty"), waived="1", owed="0") == []


def test_lender_settings_survive_their_record_and_unknown_keys_are_refused():
    record = json.loads(canonical_json(settings_record(DEFAULT_SETTINGS)))
    assert settings_from_record(record) == DEFAULT_SETTINGS
    custom = settings_from_record(
        {"limits": {"max_extension_months": 24}, "deadlines": {"offer_reply_days": 10}}
    )
    assert custom.limits.max_extension_months == 24 and custom.deadlines.offer_reply_days == 10
    for bad, code in (
        ({"limits": {"max_extension_months": -1}}, "policy.limit_invalid"),
        ({"limits": {"max_waiver_fraction": "1.5"}}, "policy.limit_invalid"),
        ({"limits": {"max_waiver_fraction": 0.5}}, "policy.limit_invalid"),
        ({"limits": {"approver_role": "admin"}}, "policy.limit_invalid"),
        ({"limitz": {}}, "policy.unknown_key"),
        ({"limits": {"colour": 1}}, "policy.unknown_key"),
        ([], "policy.not_an_object"),
    ):
        with pytest.raises(DomainError) as caught:
            settings_from_record(bad)
        assert caught.value.code == code


@given(
    st.lists(
        st.tuples(
            st.integers(100_00, 50_000_00),  # principal in fen
            st.integers(0, 2400),  # annual rate in basis points
            st.integers(1, 24),  # remaining months
            st.integers(0, 28),  # days to the next due date
            st.integers(1, 12),  # extension months
            st.integers(0, 5_000_00),  # overdue interest in fen
            st.integers(0, 2_000_00),  # penalty in fen
        ),
        min_size=1,
        max_size=4,
    )
)
def test_a_merged_schedule_sums_to_its_parts_and_reads_back(loans):
    parts = []
    for i, (fen, bp, months, days, extra, overdue, penalty) in enumerate(loans):
        pos = loan_position(
            as_of=START,
            outstanding_principal=str(Decimal(fen) / 100),
            overdue_interest=str(Decimal(overdue) / 100),
            penalty=str(Decimal(penalty) / 100),
            annual_rate=str(Decimal(bp) / 10000),
            remaining_months=months,
            next_due=START + timedelta(days=days + 1),
        )
        parts.append((str(i), apply_proposal(pos, Proposal((TermExtension(extra),)))))
    merged = combined_schedule(parts)
    rows = merged.schedule.rows
    assert merged.schedule.total_payment == sum(
        (o.schedule.total_payment + o.down_payment for _, o in parts), ZERO
    )
    assert [r.n for r in rows] == list(range(1, len(rows) + 1))
    assert [r.due_date for r in rows] == sorted(r.due_date for r in rows)
    assert rows[-1].balance == 0
    wire = json.loads(canonical_json(schedule_record(merged)))
    assert schedule_from_record(wire).schedule.rows == rows
    assert schedule_from_record(wire).loan_ids == merged.loan_ids
