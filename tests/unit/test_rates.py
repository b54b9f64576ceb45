from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xieshang.domain.errors import DomainError
from xieshang.domain.rates import (
    DayCount,
    add_months,
    annual_from_daily,
    daily_rate,
    day_count_days,
    monthly_due_dates,
    monthly_rate,
    parse_rate,
    year_fraction,
)


def test_monthly_and_daily_rates_follow_contract_practice():
    assert monthly_rate(Decimal("0.18")) == Decimal("0.015")
    assert daily_rate(Decimal("0.18")) == Decimal("0.0005")
    assert annual_from_daily(Decimal("0.0005")) == Decimal("0.18")
    assert daily_rate(Decimal("0.365"), DayCount.ACT_365) == Decimal("0.001")


def test_day_counts_differ_as_their_names_say():
    a, b = date(2024, 1, 31), date(2024, 3, 1)
    assert day_count_days(a, b, DayCount.THIRTY_360) == 31  # 30 (Jan 31 counts as 30) → Mar 1
    assert day_count_days(a, b, DayCount.ACT_360) == 30
    assert year_fraction(date(2023, 1, 1), date(2024, 1, 1), DayCount.ACT_365) == 1
    assert year_fraction(date(2023, 1, 1), date(2024, 1, 1), DayCount.ACT_360) == Decimal(365) / 360


def test_due_dates_keep_the_month_end_from_the_anchor():
    dates = monthly_due_dates(date(2024, 1, 31), 4)
    assert [d.isoformat() for d in dates] == [
        "2024-01-31",
        "2024-02-29",
        "2024-03-31",
        "2024-04-30",
    ]
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)), st.integers(0, 600))
def test_adding_months_never_skips_or_repeats_a_month(anchor, k):
    d = add_months(anchor, k)
    assert (d.year * 12 + d.month) - (anchor.year * 12 + anchor.month) == k
    assert d.day <= anchor.day


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 1, 1)), st.integers(0, 4000))
def test_actual_day_counts_are_calendar_days(start, n):
    end = start + timedelta(days=n)
    assert day_count_days(start, end, DayCount.ACT_365) == n


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("abc", "rate.not_a_number"),
        ("-1", "rate.negative"),
        ("NaN", "rate.not_a_number"),
        ("1200", "rate.too_large"),
    ],
)
def test_bad_rates_are_refused_with_a_code(text, code):
    with pytest.raises(DomainError) as info:
        parse_rate(text, percent=True)
    assert info.value.code == code
    assert info.value.field == "annual_rate"


def test_rates_are_read_as_percent_or_fraction():
    assert parse_rate("9.4822", percent=True) == Decimal("0.094822")
    assert parse_rate("0.18") == Decimal("0.18")
    assert parse_rate("18%", percent=True) == Decimal("0.18")


def test_day_count_names_parse():
    assert DayCount.parse("ACT/365") is DayCount.ACT_365
    with pytest.raises(DomainError):
        DayCount.parse("30/365")
