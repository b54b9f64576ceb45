"""Properties of restructuring proposals on random positions and concessions (Hypothesis)."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import assume, given
from hypothesis import strategies as st

from support.positions import fen
from xieshang.domain.errors import DomainError
from xieshang.domain.money import FEN, YUAN
from xieshang.domain.proposals import (
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
    apply_proposal,
    loan_position,
)
from xieshang.domain.rates import DayCount
from xieshang.domain.schedule import Method, validate_schedule

D = Decimal
METHODS = [Method.ANNUITY, Method.EQUAL_PRINCIPAL, Method.INTEREST_ONLY, Method.BULLET]


def amounts(low: int = 0, high: int = 500_000) -> st.SearchStrategy[Decimal]:
    """Yuan amounts in whole fen, ``low``..``high`` fen."""
    return st.integers(low, high).map(lambda f: D(f) / 100)


@st.composite
def positions(draw, *, method=None, arrears=True):
    as_of = draw(st.dates(date(2020, 1, 1), date(2030, 12, 31)))
    m = draw(st.sampled_from(METHODS)) if method is None else method
    principal = draw(st.one_of(st.just(D(0)), amounts(10_000, 20_000_000)))
    months = 0 if principal == 0 else (1 if m is Method.BULLET else draw(st.integers(1, 60)))
    extra = {}
    if arrears:
        extra = {
            k: draw(amounts(0, 300_000))
            for k in (
                "overdue_principal",
                "overdue_interest",
                "accrued_interest",
                "penalty",
                "fees_due",
            )
        }
    if principal == 0 and sum(extra.values(), D(0)) == 0:
        extra["overdue_principal"] = D(1000)
    return loan_position(
        as_of=as_of,
        outstanding_principal=principal,
        annual_rate=D(draw(st.integers(0, 3600))) / 10_000,
        remaining_months=months,
        next_due=as_of + timedelta(days=draw(st.integers(1, 75))),
        method=m,
        day_count=draw(st.sampled_from(DayCount)),
        **extra,
    )


waivers = st.lists(
    st.builds(
        Waiver,
        st.sampled_from(["penalty", "fees", "interest", "overdue_interest"]),
        fraction=st.integers(1, 100).map(lambda p: D(p) / 100),
    ),
    max_size=4,
    unique_by=lambda w: w.target,
)


@st.composite
def regular_proposals(draw, position, *, with_waivers=True):
    """Waivers, first payment, rate, extension, holiday, re-ageing — each maybe."""
    chosen = list(draw(waivers)) if with_waivers else []
    principal = position.outstanding_principal + position.overdue_principal
    if principal > 0 and draw(st.booleans()):
        share = draw(st.integers(1, 90))
        chosen.append(FirstPayment(max(FEN, (principal * share / 100).quantize(FEN))))
    if draw(st.booleans()):
        cut = draw(st.integers(0, 100))
        chosen.append(RateReduction((position.annual_rate * cut / 100).quantize(D("0.0001"))))
    if position.outstanding_principal > 0 and draw(st.booleans()):
        chosen.append(TermExtension(draw(st.integers(1, 24))))
    if position.method is not Method.BULLET and draw(st.booleans()):
        chosen.append(
            PaymentHoliday(draw(st.integers(1, 6)), draw(st.sampled_from(HolidayInterest)))
        )
    if draw(st.booleans()):
        chosen.append(ReAgeing(draw(st.integers(1, 24))))
    return Proposal(tuple(draw(st.permutations(chosen))))


@st.composite
def any_proposal(draw, position):
    kind = draw(st.sampled_from(["regular", "stop", "settlement"]))
    if kind == "regular":
        return draw(regular_proposals(position))
    if kind == "stop":
        extra = [PaymentHoliday(draw(st.integers(1, 3)))] if draw(st.booleans()) else []
        return Proposal((InterestStop(draw(st.integers(1, 84))), *draw(waivers), *extra))
    percent = D(draw(st.integers(1, 100))) / 100
    return Proposal((Settlement(percent, draw(st.integers(1, 12))),))


@st.composite
def cases(draw):
    position = draw(positions())
    return position, draw(any_proposal(position)), draw(st.sampled_from([FEN, YUAN]))


def applied(position, proposal, unit=FEN):
    """The outcome, or a skipped example when the concessions forgive everything (a tiny debt
    waived whole: a refusal with its own code, tested in the unit tests)."""
    try:
        return apply_proposal(position, proposal, unit=unit)
    except DomainError as exc:
        assume(exc.code != "proposal.nothing_left")
        raise


@given(cases())
def test_every_outcome_schedule_is_sound_and_sums_exactly(case):
    position, proposal, unit = case
    out = applied(position, proposal, unit)
    s = out.schedule
    assert validate_schedule(s) == ()
    assert s.total_payment == s.total_principal + s.total_interest + s.total_fees
    assert out.summary.total_to_pay == out.down_payment + s.total_payment
    assert out.summary.months_to_clear == len(s.rows)
    # Nothing is lost or invented: what is not waived is paid down or rescheduled.
    assert (
        out.down_payment + out.rescheduled_amount == position.total_owed - out.summary.amount_waived
    )


@given(cases())
def test_total_to_pay_is_at_least_the_rescheduled_amount_when_rates_are_not_negative(case):
    position, proposal, unit = case
    out = applied(position, proposal, unit)
    assert out.schedule.total_payment >= out.rescheduled_amount
    assert out.summary.total_to_pay >= out.down_payment + out.rescheduled_amount


@st.composite
def waiver_cases(draw):
    position = draw(positions())
    base = draw(regular_proposals(position, with_waivers=False))
    return position, base, draw(waivers.filter(bool))


@given(waiver_cases())
def test_a_waiver_never_raises_what_is_owed_and_raises_the_total_only_by_fen_rounding(case):
    position, base, extra = case
    without = applied(position, base)
    with_waivers = applied(position, Proposal((*base.concessions, *extra)))
    owed = lambda o: o.down_payment + o.rescheduled_amount  # noqa: E731
    assert owed(with_waivers) <= owed(without)
    assert with_waivers.summary.amount_waived >= 0
    # A level payment rounded to the fen can drop by a fen when a fen less is rescheduled,
    # and the slower repayment then costs a few fen of interest (found by Hypothesis:
    # 0.01 waived, total 0.07 higher over 20 months at 36 %).  A fen less each month grows
    # at most like the balance does: n fen compounded at the monthly rate over n months.
    months = max(with_waivers.summary.months_to_clear, without.summary.months_to_clear)
    growth = (1 + position.annual_rate / 12) ** months
    slack = Decimal("0.01") * months * growth
    assert with_waivers.summary.total_to_pay <= without.summary.total_to_pay + slack


@given(
    positions(method=Method.ANNUITY).filter(lambda p: p.outstanding_principal > 0),
    st.integers(1, 36),
    st.integers(0, 36),
)
def test_extending_an_annuity_never_raises_the_regular_payment(position, shorter, more):
    short = applied(position, Proposal((TermExtension(shorter),)))
    longer = applied(position, Proposal((TermExtension(shorter + more),)))
    plain = applied(position, Proposal(()))
    assert longer.summary.regular_payment <= short.summary.regular_payment
    assert short.summary.regular_payment <= plain.summary.regular_payment


@given(positions(), st.integers(1, 100), st.integers(1, 24))
def test_a_settlement_costs_exactly_its_percent_of_the_total_owed_to_the_fen(position, pct, n):
    out = applied(position, Proposal((Settlement(D(pct) / 100, n),)))
    expected = fen(Fraction(position.total_owed) * Fraction(pct, 100))
    assert out.summary.total_to_pay == expected
    assert out.summary.amount_waived == position.total_owed - expected
    payments = [r.payment for r in out.schedule.rows]
    assert len(payments) == n
    assert len(set(payments[:-1])) <= 1
    assert payments[-1] >= payments[0]


@given(positions(), st.integers(1, 84))
def test_an_interest_stop_charges_no_new_interest(position, n):
    out = apply_proposal(position, Proposal((InterestStop(n),)))
    assert out.summary.total_to_pay == position.total_owed
    assert len(out.schedule.rows) == n
