"""Properties every generated schedule keeps, for all four methods and their options."""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import pairwise

from hypothesis import assume, given
from hypothesis import strategies as st

from xieshang.domain.amortization import ScheduleOptions, build_schedule
from xieshang.domain.errors import DomainError
from xieshang.domain.money import YUAN, RoundingPolicy
from xieshang.domain.rates import DayCount, add_months
from xieshang.domain.schedule import Method, Schedule, validate_schedule

MONTHLY = (Method.ANNUITY, Method.EQUAL_PRINCIPAL, Method.INTEREST_ONLY)
MODES = ("half-up", "half-even", "down", "floor", "ceiling")


def following_weekday(d: date) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


@dataclass(frozen=True)
class Case:
    principal: Decimal
    rate: Decimal
    months: int
    start: date
    method: Method
    options: ScheduleOptions

    def build(self) -> Schedule:
        try:
            return build_schedule(
                self.principal, self.rate, self.months, self.start, self.method, self.options
            )
        except DomainError as e:
            # The one refusal a valid input may meet: a level payment (rounded up, or to a
            # coarse unit) that would repay a tiny loan before its last installment.
            assume(e.code != "schedule.payment_exceeds_balance")
            raise


principals = st.integers(1, 5_000_000_00).map(lambda fen: Decimal(fen) / 100)
rates = st.integers(0, 360_000).map(lambda x: Decimal(x) / 1_000_000)
starts = st.dates(date(2000, 1, 1), date(2040, 12, 31))


@st.composite
def cases(
    draw,
    methods=(*MONTHLY, Method.BULLET),
    max_months=360,
    options=True,
    day_counts=tuple(DayCount),
    modes=MODES,
):
    method = draw(st.sampled_from(methods))
    months = draw(st.integers(1, max_months))
    start = draw(starts)
    opts = ScheduleOptions(
        day_count=draw(st.sampled_from(day_counts)),
        rounding=RoundingPolicy(draw(st.sampled_from(modes))),
        business_day=draw(st.sampled_from([None, following_weekday])) if options else None,
    )
    if options and method is not Method.BULLET:
        if draw(st.booleans()):
            window = (add_months(start, 2) - start).days
            opts = replace(opts, first_due=start + timedelta(days=draw(st.integers(1, window - 1))))
        top = min(months - 1, 6)
        opts = replace(
            opts,
            grace_principal=draw(st.integers(0, top)),
            grace_interest=draw(st.sampled_from([0, 0, draw(st.integers(0, top))])),
            payment_holidays=frozenset(
                draw(st.lists(st.integers(1, months - 1), max_size=3)) if months > 1 else []
            ),
        )
        if method is Method.ANNUITY:
            unit = draw(st.sampled_from([None, None, Decimal("0.10"), YUAN, Decimal("10")]))
            opts = replace(opts, round_payment_to=unit)
        if method is Method.INTEREST_ONLY:
            io = draw(st.one_of(st.none(), st.integers(0, months)))
            opts = replace(opts, interest_only_months=io)
    return Case(draw(principals), draw(rates), months, start, method, opts)


def amortising(case: Case, n: int) -> bool:
    o = case.options
    return n not in o.payment_holidays and n > max(o.grace_principal, o.grace_interest)


@given(cases())
def test_every_schedule_is_valid_and_sums_exactly(case):
    s = case.build()
    assert validate_schedule(s) == ()
    assert len(s.rows) == (1 if case.method is Method.BULLET else case.months)
    for r in s.rows:
        assert r.payment == r.principal + r.interest + r.fee
        assert r.balance >= 0
    assert s.rows[-1].balance == 0
    assert s.total_principal == case.principal + s.total_capitalised
    assert s.total_payment == s.total_principal + s.total_interest + s.total_fees
    dates = [case.start, *(r.due_date for r in s.rows)]
    assert all(a < b for a, b in pairwise(dates))


@given(cases(options=False, modes=("half-even",)))
def test_half_even_schedules_also_sum_exactly(case):
    s = case.build()
    assert validate_schedule(s) == ()
    assert s.total_principal == case.principal


@given(cases())
def test_rate_zero_means_zero_interest(case):
    s = replace(case, rate=Decimal(0)).build()
    assert all(r.interest == 0 and r.capitalised == 0 for r in s.rows)
    assert s.total_payment == case.principal


def _exact_days_30_360(a: date, b: date) -> int:
    return (b.year - a.year) * 360 + (b.month - a.month) * 30 + min(b.day, 30) - min(a.day, 30)


@given(cases(methods=MONTHLY))
def test_each_interest_is_the_previous_balance_times_the_period_rate_rounded(case):
    """Recomputed here in fractions, from the dates: the convention, not the code."""
    o = case.options
    assume(not o.payment_holidays and o.grace_interest == 0)
    s = case.build()
    mode = {"half-up": ROUND_HALF_UP, "half-even": ROUND_HALF_EVEN}.get(o.rounding.mode)
    assume(mode is not None)
    balance, previous = Fraction(case.principal), case.start
    for r in s.rows:
        if o.day_count is DayCount.THIRTY_360:
            broken = r.n == 1 and o.first_due not in (None, add_months(case.start, 1))
            first_due = o.first_due or r.due_date
            years = Fraction(_exact_days_30_360(case.start, first_due), 360) if broken else None
            years = years if years is not None else Fraction(1, 12)
        else:
            basis = 365 if o.day_count is DayCount.ACT_365 else 360
            years = Fraction((r.due_date - previous).days, basis)
        exact = balance * Fraction(case.rate) * years
        as_decimal = Decimal(exact.numerator) / Decimal(exact.denominator)
        assert r.interest == as_decimal.quantize(Decimal("0.01"), rounding=mode)
        balance -= Fraction(r.principal)
        previous = r.due_date


@given(cases(methods=(Method.ANNUITY,)))
def test_annuity_rows_pay_one_level_except_the_last(case):
    """Every amortising row before the last pays the same level, or — where its interest alone
    exceeds the level (a long broken or 31-day period at a high rate) — exactly its interest."""
    assume(case.options.grace_interest == 0)
    s = case.build()
    rows = [r for r in s.rows[:-1] if amortising(case, r.n)]
    levels = {r.payment for r in rows if r.principal > 0}
    assert len(levels) <= 1
    for r in rows:
        if r.principal == 0:
            assert r.payment == r.interest
            assert not levels or r.interest >= next(iter(levels))


@given(
    cases(methods=(Method.ANNUITY,), max_months=120, day_counts=(DayCount.THIRTY_360,)),
)
def test_plain_monthly_annuities_pay_exactly_equal_installments_except_the_last(case):
    o = replace(case.options, first_due=None, grace_interest=0, round_payment_to=None)
    case = replace(case, rate=min(case.rate, Decimal("0.24")), options=o)
    assume(case.principal >= 100)
    s = case.build()
    payments = {r.payment for r in s.rows[:-1] if amortising(case, r.n)}
    assert len(payments) <= 1


@given(cases(methods=(Method.ANNUITY,), day_counts=(DayCount.THIRTY_360,)))
def test_payments_rounded_up_to_the_yuan_are_whole_yuan_except_the_last(case):
    o = replace(case.options, first_due=None, grace_interest=0, round_payment_to=YUAN)
    s = replace(case, options=o).build()
    for r in s.rows[:-1]:
        if amortising(case, r.n):
            assert r.payment == r.payment.to_integral_value(), r


@given(cases(methods=(Method.EQUAL_PRINCIPAL, Method.INTEREST_ONLY)))
def test_equal_principal_parts_differ_only_by_the_remainder_in_the_last(case):
    """After the last holiday (which re-splits the grown balance) every principal part is the
    same, and the last is larger by less than one fen per part."""
    o = case.options
    no_principal = max(o.grace_principal, o.grace_interest)
    if case.method is Method.INTEREST_ONLY:
        io = case.months if o.interest_only_months is None else o.interest_only_months
        no_principal = max(no_principal, min(io, case.months - 1))
    quiet = max(no_principal, *(o.payment_holidays or {0}))
    s = case.build()
    for r in s.rows:
        if r.n <= no_principal or r.n in o.payment_holidays:
            assert r.principal == 0
    parts = [r.principal for r in s.rows if r.n > quiet]
    assert all(p == parts[0] for p in parts[:-1])
    assert Decimal(0) <= parts[-1] - parts[0] < Decimal(len(parts)) / 100 or len(parts) == 1


@given(cases(methods=(Method.INTEREST_ONLY,), options=False))
def test_interest_only_repays_all_principal_with_the_last(case):
    s = case.build()
    assert all(r.principal == 0 and r.payment == r.interest for r in s.rows[:-1])
    assert s.rows[-1].principal == case.principal


@given(cases(methods=(Method.BULLET,)))
def test_a_bullet_is_one_payment_at_maturity(case):
    s = case.build()
    (row,) = s.rows
    maturity = add_months(case.start, case.months)
    shift = case.options.business_day
    assert row.due_date == (shift(maturity) if shift else maturity)
    assert row.principal == case.principal and row.balance == 0
