"""Ledger invariants for random payments over random schedules: every fen is allocated exactly
once, the state is a pure replay, and the order payments arrive in does not matter."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from xieshang.domain.amortization import build_schedule
from xieshang.domain.ledger import (
    AllocationOrder,
    Component,
    Payment,
    agreement_status,
    apply_payments,
    check_invariants,
)
from xieshang.domain.money import ZERO, from_fen, total
from xieshang.domain.schedule import Method, Schedule, validate_schedule

START = date(2025, 1, 31)
METHODS = (Method.ANNUITY, Method.EQUAL_PRINCIPAL, Method.INTEREST_ONLY, Method.BULLET)


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    principal = from_fen(draw(st.integers(min_value=100, max_value=10_000_000)))
    rate = Decimal(draw(st.integers(min_value=0, max_value=3600))) / 10000
    months = draw(st.integers(min_value=1, max_value=24))
    schedule = build_schedule(principal, rate, months, START, draw(st.sampled_from(METHODS)))
    # Generated schedules carry no fees; add some so the fee component is exercised too.
    fees = draw(
        st.lists(st.integers(0, 5000), min_size=len(schedule.rows), max_size=len(schedule.rows))
    )
    rows = tuple(
        replace(r, fee=from_fen(f), payment=r.payment + from_fen(f))
        for r, f in zip(schedule.rows, fees, strict=True)
    )
    return replace(schedule, rows=rows)


@st.composite
def payment_lists(draw: st.DrawFn, schedule: Schedule) -> list[Payment]:
    """1–12 payments that together cover 0–150 % of the schedule, so partial payment,
    exact payment and credit all come up often."""
    due = int(schedule.total_payment * 100)
    count = draw(st.integers(min_value=1, max_value=12))
    coverage = draw(st.sampled_from((0, 30, 100, 150)) | st.integers(0, 150))
    share = max(1, due * coverage // 100 // max(count, 1))
    span = (schedule.rows[-1].due_date - START).days + 60
    refs = draw(
        st.lists(
            st.text("abc012", min_size=1, max_size=3), min_size=count, max_size=count, unique=True
        )
    )
    return [
        Payment(
            ref,
            START + timedelta(days=draw(st.integers(0, span))),
            from_fen(max(1, share + draw(st.integers(-share // 2, share // 2)))),
        )
        for ref in refs
    ]


@st.composite
def cases(draw: st.DrawFn) -> tuple[Schedule, list[Payment], AllocationOrder]:
    schedule = draw(schedules())
    payments = draw(payment_lists(schedule))
    order = AllocationOrder(tuple(draw(st.permutations(list(Component)))))
    return schedule, payments, order


@settings(max_examples=150, deadline=None)
@given(cases())
def test_random_payments_over_random_schedules_keep_every_ledger_invariant(
    case: tuple[Schedule, list[Payment], AllocationOrder],
) -> None:
    schedule, payments, order = case
    assert validate_schedule(schedule) == ()
    state = apply_payments(schedule, payments, order=order)
    assert check_invariants(schedule, payments, state, order=order) == ()
    paid, due = total(p.amount for p in payments), schedule.total_payment
    # What is owed and what is left as credit follow from the two totals alone.
    assert state.outstanding == max(ZERO, due - paid)
    assert state.unapplied == max(ZERO, paid - due)
    for c in Component:
        got = total(a.amount for a in state.allocations if a.component is c)
        assert got <= total(getattr(r, c.value) for r in schedule.rows)


@settings(max_examples=100, deadline=None)
@given(cases(), st.randoms(use_true_random=False))
def test_the_order_payments_arrive_in_does_not_matter_only_their_date_and_reference(
    case: tuple[Schedule, list[Payment], AllocationOrder], rnd: random.Random
) -> None:
    schedule, payments, order = case
    shuffled = list(payments)
    rnd.shuffle(shuffled)
    state = apply_payments(schedule, payments, order=order)
    assert apply_payments(schedule, shuffled, order=order) == state
    # Allocations run in (date, reference) order, so same-day payments go by reference.
    by_ref = {p.ref: (p.paid_on, p.ref) for p in payments}
    keys = [by_ref[a.ref] for a in state.allocations]
    assert keys == sorted(keys)


@settings(max_examples=100, deadline=None)
@given(cases())
def test_replaying_the_payments_gives_the_same_state_and_later_payments_only_extend_it(
    case: tuple[Schedule, list[Payment], AllocationOrder],
) -> None:
    schedule, payments, order = case
    state = apply_payments(schedule, payments, order=order)
    assert apply_payments(schedule, tuple(payments), order=order) == state
    ordered = sorted(payments, key=lambda p: (p.paid_on, p.ref))
    for cut in range(len(ordered) + 1):
        earlier = apply_payments(schedule, ordered[:cut], order=order)
        assert state.allocations[: len(earlier.allocations)] == earlier.allocations


@settings(max_examples=100, deadline=None)
@given(cases())
def test_the_agreement_is_completed_exactly_when_the_payments_cover_the_schedule(
    case: tuple[Schedule, list[Payment], AllocationOrder],
) -> None:
    schedule, payments, order = case
    state = apply_payments(schedule, payments, order=order)
    later = schedule.rows[-1].due_date + timedelta(days=400)
    status = agreement_status(state, later, grace_days=3)
    covered = total(p.amount for p in payments) >= schedule.total_payment
    assert (status.status == "completed") == covered
    if not covered:
        assert status.status == "breached"
