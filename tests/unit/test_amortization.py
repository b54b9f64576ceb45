"""The schedule engine on small examples worked out by hand (numbers in the comments), with
exact fractions as the independent check where the arithmetic is long."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from xieshang.domain.amortization import (
    ScheduleOptions,
    annuity_payment,
    annuity_schedule,
    build_schedule,
    bullet_schedule,
    equal_principal_schedule,
    interest_only_schedule,
)
from xieshang.domain.errors import DomainError
from xieshang.domain.money import YUAN, RoundingPolicy
from xieshang.domain.rates import DayCount
from xieshang.domain.schedule import Method, validate_schedule

D = Decimal


def cols(schedule, *names):
    return [tuple(str(getattr(r, n)) for n in names) for r in schedule.rows]


def half_up(x: Fraction) -> Decimal:
    return D(int(x * 100 + Fraction(1, 2))) / 100


def following_weekday(d: date) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


# --- due dates -----------------------------------------------------------------------------


def test_due_dates_follow_the_month_end_from_jan_31():
    s = annuity_schedule(D("1000"), D("0.12"), 4, date(2024, 1, 31))
    assert [r.due_date for r in s.rows] == [
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]


def test_an_irregular_first_due_date_anchors_the_following_ones():
    options = ScheduleOptions(first_due=date(2024, 2, 29))
    s = equal_principal_schedule(D("900"), D("0.12"), 3, date(2024, 1, 15), options)
    assert [r.due_date for r in s.rows] == [date(2024, 2, 29), date(2024, 3, 29), date(2024, 4, 29)]
    assert "note.irregular_first_period" in s.notes


def test_business_day_shift_moves_dates_but_not_30_360_interest():
    plain = annuity_schedule(D("1200"), D("0.12"), 3, date(2024, 5, 4))  # dues on Jun/Jul/Aug 4
    shifted = annuity_schedule(
        D("1200"), D("0.12"), 3, date(2024, 5, 4), ScheduleOptions(business_day=following_weekday)
    )
    # 2024-08-04 is a Sunday → Monday 08-05; the others are weekdays.
    assert [r.due_date for r in shifted.rows] == [
        date(2024, 6, 4),
        date(2024, 7, 4),
        date(2024, 8, 5),
    ]
    assert cols(shifted, "payment", "interest") == cols(plain, "payment", "interest")
    assert "note.due_dates_shifted" in shifted.notes


def test_business_day_shift_changes_act_360_interest_by_the_extra_day():
    options = ScheduleOptions(day_count=DayCount.ACT_360, business_day=following_weekday)
    s = interest_only_schedule(D("36000"), D("0.10"), 3, date(2024, 5, 4), options)
    # 36000 × 10 % / 360 = 10.00 a day: May 4→Jun 4 31 d, →Jul 4 30 d, →Aug 5 32 d.
    assert [r.interest for r in s.rows] == [D("310.00"), D("300.00"), D("320.00")]


# --- broken first period ---------------------------------------------------------------------


def test_broken_first_period_under_30_360_charges_its_30_360_days():
    options = ScheduleOptions(first_due=date(2024, 3, 1))
    s = annuity_schedule(D("1200"), D("0.12"), 3, date(2024, 1, 15), options)
    # Level: 1200 · 1 % · 1.01³ / (1.01³ − 1) = 408.0265… → 408.03 (whole months, as sized).
    # Period 1, Jan 15 → Mar 1 = 2·30 + (1 − 15) = 46 days of 30/360: 1200 · 12 % · 46/360 = 18.40.
    # Principal 408.03 − 18.40 = 389.63 → 810.37; interest 8.1037 → 8.10; principal 399.93
    # → 410.44; last: interest 4.1044 → 4.10, principal 410.44, payment 414.54.
    assert cols(s, "payment", "principal", "interest", "balance") == [
        ("408.03", "389.63", "18.40", "810.37"),
        ("408.03", "399.93", "8.10", "410.44"),
        ("414.54", "410.44", "4.10", "0.00"),
    ]
    r = Fraction(1, 100)
    level = 1200 * r * (1 + r) ** 3 / ((1 + r) ** 3 - 1)
    assert half_up(level) == D("408.03")
    assert half_up(Fraction(1200) * Fraction(12, 100) * Fraction(46, 360)) == D("18.40")


def test_broken_first_period_under_act_365_charges_actual_days():
    options = ScheduleOptions(first_due=date(2024, 3, 1), day_count=DayCount.ACT_365)
    s = annuity_schedule(D("1200"), D("0.12"), 3, date(2024, 1, 15), options)
    # Jan 15 → Mar 1 2024 = 46 days: 1200 · 12 % · 46/365 = 18.1479 → 18.15; principal 389.88.
    # Mar 1 → Apr 1 = 31 d on 810.12: 8.2567 → 8.26; principal 399.77 → 410.35.
    # Apr 1 → May 1 = 30 d on 410.35: 4.0473 → 4.05; last payment 414.40.
    assert cols(s, "payment", "principal", "interest", "balance") == [
        ("408.03", "389.88", "18.15", "810.12"),
        ("408.03", "399.77", "8.26", "410.35"),
        ("414.40", "410.35", "4.05", "0.00"),
    ]


def test_a_long_broken_period_at_a_high_rate_pays_just_its_interest():
    options = ScheduleOptions(first_due=date(2024, 2, 29))
    s = annuity_schedule(D("100000"), D("0.36"), 360, date(2024, 1, 1), options)
    # 30/360 days Jan 1 → Feb 29 = 58: interest 5800.00 > level ≈ 3000.07.
    first = s.rows[0]
    assert (first.interest, first.principal, first.payment) == (D("5800"), D("0"), D("5800"))
    assert "note.payment_below_interest" in s.notes
    assert validate_schedule(s) == ()


# --- grace and holidays ----------------------------------------------------------------------


def test_grace_on_principal_pays_interest_then_a_level_over_the_rest():
    s = annuity_schedule(
        D("1200"), D("0.12"), 6, date(2024, 1, 1), ScheduleOptions(grace_principal=2)
    )
    # Rows 1–2: 1200 · 1 % = 12.00.  Level over 4: 12 · 1.01⁴ / (1.01⁴ − 1) = 307.5374… → 307.54.
    assert [r.payment for r in s.rows[:2]] == [D("12"), D("12")]
    assert [r.principal for r in s.rows[:2]] == [D("0"), D("0")]
    assert [r.payment for r in s.rows[2:5]] == [D("307.54")] * 3
    r = Fraction(1, 100)
    assert half_up(1200 * r * (1 + r) ** 4 / ((1 + r) ** 4 - 1)) == D("307.54")


def test_grace_on_interest_defers_the_interest_to_the_first_payment_after_it():
    options = ScheduleOptions(grace_interest=2)
    s = equal_principal_schedule(D("1200"), D("0.12"), 6, date(2024, 1, 1), options)
    # Rows 1–2: nothing due, 12.00 accrues each (not capitalised).  Row 3: 1200/4 = 300
    # principal + its own 12.00 + the deferred 24.00 = 336.00.  Then 309, 306, 303.
    assert cols(s, "payment", "principal", "interest", "balance") == [
        ("0.00", "0.00", "0.00", "1200.00"),
        ("0.00", "0.00", "0.00", "1200.00"),
        ("336.00", "300.00", "36.00", "900.00"),
        ("309.00", "300.00", "9.00", "600.00"),
        ("306.00", "300.00", "6.00", "300.00"),
        ("303.00", "300.00", "3.00", "0.00"),
    ]
    assert s.total_interest == D("54.00")  # 36 + 9 + 6 + 3
    assert "note.interest_deferred" in s.notes


def test_a_payment_holiday_capitalises_its_interest_and_re_splits_equal_principal():
    options = ScheduleOptions(payment_holidays=frozenset({2}))
    s = equal_principal_schedule(D("1200"), D("0.12"), 4, date(2024, 1, 1), options)
    # Row 1: 1200/3 = 400 + 12.00.  Row 2 (holiday): 8.00 capitalised → 808.00.
    # Rows 3–4: 808/2 = 404 each, interest 8.08 then 4.04.
    assert cols(s, "payment", "principal", "interest", "capitalised", "balance") == [
        ("412.00", "400.00", "12.00", "0.00", "800.00"),
        ("0.00", "0.00", "0.00", "8.00", "808.00"),
        ("412.08", "404.00", "8.08", "0.00", "404.00"),
        ("408.04", "404.00", "4.04", "0.00", "0.00"),
    ]
    assert s.total_principal == D("1208.00") == s.principal + s.total_capitalised
    assert validate_schedule(s) == ()


def test_an_annuity_level_also_repays_the_interest_capitalised_in_a_holiday():
    options = ScheduleOptions(payment_holidays=frozenset({1}))
    s = annuity_schedule(D("1000"), D("0.12"), 3, date(2024, 1, 1), options)
    # X · (1 + 1.01) = 1000 · 1.01³ → X = 1030.301 / 2.01 = 512.5876… → 512.59.
    # Row 1: 10.00 capitalised → 1010.00; row 2: 10.10 interest, 502.49 principal → 507.51;
    # row 3: 5.0751 → 5.08 interest + 507.51 = 512.59, the same level.
    assert cols(s, "payment", "principal", "interest", "capitalised", "balance") == [
        ("0.00", "0.00", "0.00", "10.00", "1010.00"),
        ("512.59", "502.49", "10.10", "0.00", "507.51"),
        ("512.59", "507.51", "5.08", "0.00", "0.00"),
    ]
    assert half_up(Fraction("1030.301") / Fraction("2.01")) == D("512.59")


def test_interest_only_months_shorter_than_the_term_split_the_principal_after_them():
    options = ScheduleOptions(interest_only_months=2)
    s = interest_only_schedule(D("1200"), D("0.12"), 4, date(2024, 1, 1), options)
    assert cols(s, "payment", "principal") == [
        ("12.00", "0.00"),
        ("12.00", "0.00"),
        ("612.00", "600.00"),
        ("606.00", "600.00"),
    ]


# --- rounding -------------------------------------------------------------------------------


def test_zero_rate_annuity_rounds_down_when_rounding_up_would_repay_too_early():
    s = annuity_schedule(D("100"), D("0"), 360, date(2024, 1, 1))
    # 100/360 = 0.2777… → 0.28 would repay 100.52 in 359 rows; 0.27 leaves 3.07 for the last.
    assert {r.payment for r in s.rows[:-1]} == {D("0.27")}
    assert s.rows[-1].payment == D("3.07")
    assert "note.level_rounded_down" in s.notes


def test_half_even_rounding_of_a_tied_interest_goes_to_the_even_fen():
    # 50 · 12 %/12 = 0.50 exactly no tie; 0.5 · 1 % = 0.005 is a tie: half-up 0.01, half-even 0.00.
    up = interest_only_schedule(D("0.50"), D("0.12"), 2, date(2024, 1, 1))
    even = interest_only_schedule(
        D("0.50"),
        D("0.12"),
        2,
        date(2024, 1, 1),
        ScheduleOptions(rounding=RoundingPolicy("half-even")),
    )
    assert up.rows[0].interest == D("0.01")
    assert even.rows[0].interest == D("0")


def test_interest_ties_are_exact_even_when_annual_over_12_does_not_terminate():
    # 6.00 · 1 % / 12 = 0.005 exactly, though 1 %/12 = 0.000833…: half-up must give 0.01.
    s = interest_only_schedule(D("6"), D("0.01"), 1, date(2024, 1, 1))
    assert s.rows[0].interest == D("0.01")


def test_annuity_payment_is_exact_and_unrounded():
    p = annuity_payment(D("280000"), D("0.084") / 12, 20)
    r = Fraction(7, 1000)
    exact = 280000 * r * (1 + r) ** 20 / ((1 + r) ** 20 - 1)
    assert abs(Fraction(p) - exact) < Fraction(1, 10**30)


# --- bullet ---------------------------------------------------------------------------------


def test_bullet_charges_simple_interest_for_the_whole_term_per_day_count():
    start = date(2024, 1, 1)
    thirty = bullet_schedule(D("10000"), D("0.0365"), 12, start)
    act = bullet_schedule(
        D("10000"), D("0.0365"), 12, start, ScheduleOptions(day_count=DayCount.ACT_365)
    )
    assert thirty.rows[0].interest == D("365.00")  # 10000 · 3.65 % · 12/12
    assert act.rows[0].interest == D("366.00")  # 2024 is a leap year: 366 days / 365
    assert act.rows[0].due_date == date(2025, 1, 1)
    assert act.rows[0].payment == D("10366.00")


# --- refusals -------------------------------------------------------------------------------


def code_of(call):
    with pytest.raises(DomainError) as info:
        call()
    return info.value.code, info.value.field


START = date(2024, 1, 1)


@pytest.mark.parametrize(
    ("principal", "rate", "months", "expected"),
    [
        (D("0"), D("0.1"), 12, ("amount.not_positive", "principal")),
        (D("-5"), D("0.1"), 12, ("amount.not_positive", "principal")),
        (D("100.001"), D("0.1"), 12, ("amount.sub_fen", "principal")),
        (100.0, D("0.1"), 12, ("amount.float_refused", "principal")),
        (D("100"), D("-0.01"), 12, ("rate.negative", "annual_rate")),
        (D("100"), 0.1, 12, ("rate.float_refused", "annual_rate")),
        (D("100"), D("0.1"), 0, ("term.not_positive", "months")),
        (D("100"), D("0.1"), 601, ("term.too_long", "months")),
        (D("100"), D("0.1"), True, ("term.not_integer", "months")),
    ],
)
def test_bad_terms_are_refused_with_their_codes(principal, rate, months, expected):
    for method in (Method.ANNUITY, Method.EQUAL_PRINCIPAL, Method.INTEREST_ONLY, Method.BULLET):
        assert (
            code_of(lambda m=method: build_schedule(principal, rate, months, START, m)) == expected
        )


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (ScheduleOptions(grace_principal=12), ("grace.too_long", "grace_principal")),
        (ScheduleOptions(grace_interest=-1), ("grace.negative", "grace_interest")),
        (
            ScheduleOptions(payment_holidays=frozenset({0})),
            ("holiday.out_of_term", "payment_holidays"),
        ),
        (
            ScheduleOptions(payment_holidays=frozenset({13})),
            ("holiday.out_of_term", "payment_holidays"),
        ),
        (
            ScheduleOptions(payment_holidays=frozenset({12})),
            ("holiday.last_period", "payment_holidays"),
        ),
        (
            ScheduleOptions(round_payment_to=D("0")),
            ("rounding.multiple_not_positive", "round_payment_to"),
        ),
        (ScheduleOptions(round_payment_to=D("0.001")), ("amount.sub_fen", "round_payment_to")),
        (ScheduleOptions(first_due=START), ("first_due.not_after_start", "first_due")),
        (ScheduleOptions(first_due=date(2024, 3, 1)), ("first_due.too_late", "first_due")),
        (
            ScheduleOptions(interest_only_months=3),
            ("schedule.option_not_applicable", "interest_only_months"),
        ),
        (
            ScheduleOptions(business_day=lambda d: d - timedelta(days=40)),
            ("business_day.bad_shift", "business_day"),
        ),
    ],
)
def test_bad_options_are_refused_with_their_codes(options, expected):
    assert code_of(lambda: annuity_schedule(D("1200"), D("0.12"), 12, START, options)) == expected


def test_options_a_method_cannot_use_are_refused_not_ignored():
    yuan = ScheduleOptions(round_payment_to=YUAN)
    assert code_of(lambda: equal_principal_schedule(D("100"), D("0.1"), 3, START, yuan)) == (
        "schedule.option_not_applicable",
        "round_payment_to",
    )
    grace = ScheduleOptions(grace_principal=1)
    assert (
        code_of(lambda: bullet_schedule(D("100"), D("0.1"), 3, START, grace))[1]
        == "grace_principal"
    )
    io = ScheduleOptions(interest_only_months=13)
    assert code_of(lambda: interest_only_schedule(D("100"), D("0.1"), 12, START, io)) == (
        "interest_only.out_of_term",
        "interest_only_months",
    )


def test_a_rounding_unit_too_coarse_for_the_loan_is_refused():
    options = ScheduleOptions(round_payment_to=D("100"))
    # 1000/12 = 83.33 → 100 repays the loan after 10 of 12 installments.
    assert code_of(lambda: annuity_schedule(D("1000"), D("0"), 12, START, options)) == (
        "schedule.payment_exceeds_balance",
        "round_payment_to",
    )


def test_manual_schedules_need_rows():
    assert code_of(lambda: build_schedule(D("100"), D("0.1"), 3, START, Method.MANUAL)) == (
        "method.manual_needs_rows",
        "method",
    )


def test_annuity_payment_refuses_an_empty_term():
    assert code_of(lambda: annuity_payment(D("100"), D("0.01"), 0))[0] == "term.not_positive"


def test_a_rate_too_small_to_register_is_treated_as_zero_not_a_division_by_zero():
    s = build_schedule(Decimal(100), Decimal("1e-50"), 6, date(2024, 1, 1), Method.ANNUITY)
    assert s.total_principal == Decimal("100.00")
    assert s.total_interest == Decimal("0.00")
