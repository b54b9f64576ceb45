"""The repayment ledger on hand-computed cases: allocation order, credit, status by date."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from xieshang.domain.errors import DomainError
from xieshang.domain.ledger import (
    AllocationOrder,
    BreachRule,
    Component,
    LedgerState,
    Payment,
    agreement_status,
    apply_payments,
    check_invariants,
    installment_status,
)
from xieshang.domain.schedule import Installment, Schedule, manual_schedule

D = Decimal
FEE, INTEREST, PRINCIPAL = Component.FEE, Component.INTEREST, Component.PRINCIPAL


def three_installments() -> Schedule:
    """300.00 over three months; each row 100 principal + interest + a 5.00 fee."""
    rows = [
        Installment(
            1, date(2025, 2, 10), D("120.00"), D("100.00"), D("15.00"), D("200.00"), D("5.00")
        ),
        Installment(
            2, date(2025, 3, 10), D("115.00"), D("100.00"), D("10.00"), D("100.00"), D("5.00")
        ),
        Installment(
            3, date(2025, 4, 10), D("110.00"), D("100.00"), D("5.00"), D("0.00"), D("5.00")
        ),
    ]
    return manual_schedule(D("300.00"), date(2025, 1, 10), rows)


def pay(ref: str, day: date, amount: str) -> Payment:
    return Payment(ref, day, D(amount))


def parts(state: LedgerState, ref: str | None = None) -> list[tuple[int, str, str]]:
    return [
        (a.n, a.component.value, str(a.amount))
        for a in state.allocations
        if ref is None or a.ref == ref
    ]


def test_partial_payments_spanning_installments_are_allocated_as_computed_by_hand() -> None:
    s = three_installments()
    ps = [pay("p1", date(2025, 2, 10), "50.00"), pay("p2", date(2025, 3, 1), "100.00")]
    state = apply_payments(s, ps)
    # p1: fee 5 + interest 15 of row 1, then 30 of its principal.
    assert parts(state, "p1") == [
        (1, "fee", "5.00"),
        (1, "interest", "15.00"),
        (1, "principal", "30.00"),
    ]
    # p2: the last 70 of row 1's principal, then row 2's fee 5, interest 10, 15 principal.
    assert parts(state, "p2") == [
        (1, "principal", "70.00"),
        (2, "fee", "5.00"),
        (2, "interest", "10.00"),
        (2, "principal", "15.00"),
    ]
    one, two, three = state.per_installment
    assert (one.paid, one.outstanding, one.paid_on) == (D("120.00"), D("0.00"), date(2025, 3, 1))
    assert (two.paid, two.outstanding, two.paid_on) == (D("30.00"), D("85.00"), None)
    assert (three.paid, three.outstanding) == (D("0.00"), D("110.00"))
    assert (state.total_paid, state.total_due, state.unapplied) == (
        D("150.00"),
        D("345.00"),
        D("0.00"),
    )
    assert check_invariants(s, ps, state) == ()


def test_the_component_order_can_put_principal_before_interest_and_fees() -> None:
    s = three_installments()
    ps = [pay("p", date(2025, 2, 10), "110.00")]
    order = AllocationOrder((PRINCIPAL, INTEREST, FEE))
    state = apply_payments(s, ps, order=order)
    assert parts(state) == [(1, "principal", "100.00"), (1, "interest", "10.00")]
    assert parts(apply_payments(s, ps)) == [
        (1, "fee", "5.00"),
        (1, "interest", "15.00"),
        (1, "principal", "90.00"),
    ]
    assert check_invariants(s, ps, state, order=order) == ()


def test_an_order_that_misses_or_repeats_a_component_is_refused() -> None:
    with pytest.raises(DomainError) as missing:
        AllocationOrder((FEE, INTEREST))
    assert missing.value.code == "ledger.order_invalid"
    with pytest.raises(DomainError):
        AllocationOrder((FEE, INTEREST, INTEREST))


def test_an_early_payment_pays_the_next_installment_before_its_due_date() -> None:
    s = three_installments()
    state = apply_payments(s, [pay("early", date(2025, 1, 20), "120.00")])
    assert state.per_installment[0].paid_on == date(2025, 1, 20)
    assert installment_status(state, 1, date(2025, 1, 25), grace_days=5) == "paid"
    assert installment_status(state, 1, date(2025, 1, 15), grace_days=5) == "due"  # not yet paid
    assert installment_status(state, 2, date(2025, 1, 25), grace_days=5) == "due"


def test_an_overpayment_beyond_the_whole_schedule_stays_as_credit() -> None:
    s = three_installments()
    ps = [pay("all", date(2025, 2, 1), "300.00"), pay("rest", date(2025, 3, 1), "100.00")]
    state = apply_payments(s, ps)
    assert state.unapplied == D("55.00")
    assert all(i.outstanding == 0 for i in state.per_installment)
    assert state.per_installment[2].paid_on == date(2025, 3, 1)
    assert check_invariants(s, ps, state) == ()


def test_a_duplicate_payment_reference_is_refused() -> None:
    s = three_installments()
    ps = [pay("r1", date(2025, 2, 1), "10.00"), pay("r1", date(2025, 2, 2), "20.00")]
    with pytest.raises(DomainError) as error:
        apply_payments(s, ps)
    assert error.value.code == "ledger.duplicate_reference"
    assert error.value.params["ref"] == "r1"


@pytest.mark.parametrize(
    ("ref", "amount", "code"),
    [
        ("", "1.00", "ledger.reference_empty"),
        ("x", "0.00", "ledger.payment_not_positive"),
        ("x", "-1.00", "ledger.payment_not_positive"),
        ("x", "1.005", "ledger.payment_sub_fen"),
    ],
)
def test_a_payment_must_have_a_reference_and_a_positive_amount_in_fen(
    ref: str, amount: str, code: str
) -> None:
    with pytest.raises(DomainError) as error:
        Payment(ref, date(2025, 1, 1), D(amount))
    assert error.value.code == code


def test_an_installment_moves_from_due_to_late_to_overdue_and_back_to_paid_by_date() -> None:
    s = three_installments()
    state = apply_payments(s, [pay("late", date(2025, 2, 20), "120.00")])
    status = [
        installment_status(state, 1, date(2025, 2, d), grace_days=5)
        for d in (1, 10, 11, 15, 16, 19, 20)
    ]
    assert status == ["due", "due", "late", "late", "overdue", "overdue", "paid"]
    with pytest.raises(DomainError) as error:
        installment_status(state, 9, date(2025, 2, 1), grace_days=5)
    assert error.value.code == "ledger.installment_unknown"
    with pytest.raises(DomainError) as negative:
        installment_status(state, 1, date(2025, 2, 1), grace_days=-1)
    assert negative.value.code == "ledger.grace_negative"


def test_the_agreement_is_active_then_late_while_an_installment_is_in_grace() -> None:
    state = apply_payments(three_installments(), [])
    assert agreement_status(state, date(2025, 2, 10), grace_days=5).status == "active"
    late = agreement_status(state, date(2025, 2, 12), grace_days=5)
    assert (late.status, late.reasons) == ("late", ("ledger.installment_late",))
    overdue = agreement_status(state, date(2025, 2, 16), grace_days=5)
    assert (overdue.status, overdue.reasons, overdue.overdue_installments) == (
        "late",
        ("ledger.installment_overdue",),
        1,
    )


def test_the_agreement_is_breached_once_two_installments_are_overdue() -> None:
    state = apply_payments(three_installments(), [])
    # Row 2 (due 10 March) becomes overdue after 5 grace days: on 16 March.
    before = agreement_status(state, date(2025, 3, 15), grace_days=5)
    assert before.status == "late"
    after = agreement_status(state, date(2025, 3, 16), grace_days=5)
    assert (after.status, after.reasons) == ("breached", ("ledger.breach.overdue_installments",))


def test_the_agreement_is_breached_after_sixty_days_overdue_on_one_installment() -> None:
    # One row, so only the days rule can trip.
    single = manual_schedule(
        D("100.00"),
        date(2025, 1, 1),
        [Installment(1, date(2025, 2, 1), D("100.00"), D("100.00"), D("0.00"), D("0.00"))],
    )
    state = apply_payments(single, [])
    assert agreement_status(state, date(2025, 4, 2), grace_days=5).status == "late"  # 60 days
    breached = agreement_status(state, date(2025, 4, 3), grace_days=5)  # 61 days
    assert (breached.status, breached.reasons, breached.days_overdue) == (
        "breached",
        ("ledger.breach.days_overdue",),
        61,
    )
    loose = BreachRule(max_overdue_installments=3, max_days_overdue=90)
    assert (
        agreement_status(state, date(2025, 4, 3), grace_days=5, breach_rule=loose).status == "late"
    )


def test_a_breach_stays_on_record_after_the_arrears_are_paid() -> None:
    s = three_installments()
    # Nothing paid until 20 March (rows 1 and 2 overdue from 16 March), then rows 1-2 caught up.
    state = apply_payments(s, [pay("catch-up", date(2025, 3, 20), "235.00")])
    assert agreement_status(state, date(2025, 3, 15), grace_days=5).status == "late"
    cured = agreement_status(state, date(2025, 3, 25), grace_days=5)
    assert (cured.status, cured.reasons) == ("breached", ("ledger.breach.overdue_installments",))


def test_a_payment_in_time_keeps_the_agreement_active() -> None:
    s = three_installments()
    state = apply_payments(s, [pay("a", date(2025, 2, 12), "120.00")])
    assert agreement_status(state, date(2025, 3, 1), grace_days=5).status == "active"


def test_the_agreement_is_completed_when_every_installment_is_paid() -> None:
    s = three_installments()
    ps = [
        pay("a", date(2025, 2, 10), "120.00"),
        pay("b", date(2025, 3, 10), "115.00"),
        pay("c", date(2025, 4, 9), "110.00"),
    ]
    state = apply_payments(s, ps)
    assert agreement_status(state, date(2025, 4, 8), grace_days=0).status == "active"
    done = agreement_status(state, date(2025, 4, 9), grace_days=0)
    assert (done.status, done.reasons) == ("completed", ("ledger.all_paid",))


def test_a_breach_rule_needs_at_least_one_installment_and_no_negative_days() -> None:
    for kwargs in ({"max_overdue_installments": 0}, {"max_days_overdue": -1}):
        with pytest.raises(DomainError) as error:
            BreachRule(**kwargs)
        assert error.value.code == "ledger.breach_rule_invalid"


def test_the_invariant_check_names_a_tampered_state() -> None:
    s = three_installments()
    ps = [pay("a", date(2025, 2, 10), "150.00")]
    state = apply_payments(s, ps)
    more_credit = replace(state, unapplied=D("1.00"))
    assert "ledger.invariant.fen_not_allocated_once" in check_invariants(s, ps, more_credit)
    assert "ledger.invariant.replay_mismatch" in check_invariants(s, ps, more_credit)
    first = state.per_installment[0]
    overpaid = replace(
        state,
        per_installment=(
            replace(first, paid=D("130.00"), outstanding=D("-10.00")),
            *state.per_installment[1:],
        ),
    )
    assert "ledger.invariant.installment_overpaid" in check_invariants(s, ps, overpaid)
    assert "ledger.invariant.balance_mismatch" in check_invariants(s, ps, overpaid)
    dup = [*ps, pay("a", date(2025, 3, 1), "1.00")]
    assert "ledger.duplicate_reference" in check_invariants(s, dup, state)
