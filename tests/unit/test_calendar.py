"""China's business-day calendar: shipped data, shifting rules, provisional years, loader."""

import importlib.util
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from xieshang.data import DataFileError
from xieshang.data.holidays import (
    load_holiday_calendar,
    load_holiday_names,
    load_holiday_rows,
    parse_holiday_calendar,
    parse_holiday_rows,
)
from xieshang.domain.calendar import BUSINESS_DAY_RULES, HolidayCalendar
from xieshang.domain.errors import DomainError

CAL = load_holiday_calendar()
ROOT = Path(__file__).resolve().parents[2]


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(n) for n in range((end - start).days + 1)]


def off(*dates: date) -> bool:
    return not any(CAL.is_business_day(d) for d in dates)


# --- the shipped data: published State Council arrangements -------------------------------


def test_spring_festival_2024_is_off_from_the_10th_to_the_17th_with_two_worked_sundays():
    assert off(*days(date(2024, 2, 10), date(2024, 2, 17)))
    assert CAL.is_business_day(date(2024, 2, 4))  # Sunday, 调休
    assert CAL.is_business_day(date(2024, 2, 18))  # Sunday, 调休
    assert CAL.is_business_day(date(2024, 2, 9))  # 除夕 2024 was not a day off
    assert CAL.is_business_day(date(2024, 2, 19))
    assert not CAL.is_provisional(date(2024, 2, 12))


def test_national_day_2025_is_off_from_the_1st_to_the_8th_with_two_worked_weekend_days():
    assert off(*days(date(2025, 10, 1), date(2025, 10, 8)))
    assert CAL.is_business_day(date(2025, 9, 28))  # Sunday, 调休
    assert CAL.is_business_day(date(2025, 10, 11))  # Saturday, 调休
    assert CAL.is_business_day(date(2025, 9, 30))
    assert CAL.is_business_day(date(2025, 10, 9))
    assert not CAL.is_business_day(date(2025, 10, 12))  # an ordinary Sunday


def test_2026_follows_the_published_arrangement():
    assert off(*days(date(2026, 1, 1), date(2026, 1, 3)))
    assert CAL.is_business_day(date(2026, 1, 4))  # Sunday
    assert off(*days(date(2026, 2, 15), date(2026, 2, 23)))
    assert CAL.is_business_day(date(2026, 2, 14))  # Saturday
    assert CAL.is_business_day(date(2026, 2, 28))  # Saturday
    assert off(*days(date(2026, 5, 1), date(2026, 5, 5)))
    assert CAL.is_business_day(date(2026, 5, 9))  # Saturday
    assert off(*days(date(2026, 10, 1), date(2026, 10, 7)))
    assert CAL.is_business_day(date(2026, 9, 20))  # Sunday
    assert CAL.is_business_day(date(2026, 10, 10))  # Saturday
    assert CAL.official_through >= 2026


def test_the_shipped_data_names_the_holiday_each_day_belongs_to():
    names = load_holiday_names()
    assert names[date(2024, 2, 12)] == "spring_festival"
    assert names[date(2024, 2, 4)] == "spring_festival"  # the 调休 belongs to it too
    assert names[date(2025, 10, 6)] in {"national_day", "mid_autumn_festival"}
    assert date(2024, 3, 12) not in names


def test_the_shipped_calendar_covers_official_years_then_provisional_years():
    assert CAL.official_from <= 2020
    assert CAL.provisional_through >= CAL.official_through + 3
    provisional = [r for r in load_holiday_rows() if r.provisional]
    assert provisional, "provisional years carry the statutory holidays"
    assert all(r.kind == "holiday" and r.day.year > CAL.official_through for r in provisional)
    assert load_holiday_calendar() is CAL  # cached


# --- shifting ---------------------------------------------------------------------------------


def test_a_following_shift_jumps_the_whole_spring_festival_onto_a_worked_sunday():
    assert CAL.shift(date(2024, 2, 10), "following") == date(2024, 2, 18)
    assert CAL.shift(date(2025, 10, 1)) == date(2025, 10, 9)  # "following" is the default
    assert CAL.shift(date(2025, 10, 1), "preceding") == date(2025, 9, 30)
    assert CAL.shift(date(2025, 10, 1), "none") == date(2025, 10, 1)


def test_modified_following_moves_backwards_when_the_holiday_runs_past_month_end():
    # Spring Festival 2025: 28 Jan – 4 Feb off; following would leave January.
    assert CAL.shift(date(2025, 1, 31), "following") == date(2025, 2, 5)
    assert CAL.shift(date(2025, 1, 31), "modified-following") == date(2025, 1, 27)
    # 2020's extended Spring Festival (to 2 Feb) also pushes back over a whole week.
    assert CAL.shift(date(2020, 1, 31), "modified-following") == date(2020, 1, 23)
    # Within a month, modified-following is plain following.
    assert CAL.shift(date(2025, 10, 1), "modified-following") == date(2025, 10, 9)


def test_modified_preceding_moves_forwards_at_the_start_of_a_month():
    # 1 Oct 2024 is off and so is nothing before it in October.
    assert CAL.shift(date(2024, 10, 1), "preceding") == date(2024, 9, 30)
    assert CAL.shift(date(2024, 10, 1), "modified-preceding") == date(2024, 10, 8)


def test_an_unknown_rule_is_refused_with_a_code_and_the_field():
    with pytest.raises(DomainError) as err:
        CAL.shift(date(2024, 1, 2), "nearest")
    assert err.value.code == "calendar.unknown_rule"
    assert err.value.field == "business_day_rule"


def test_business_days_are_counted_over_holidays_and_worked_weekends():
    # Friday 9 Feb 2024 + 1 business day: the next one is Sunday 18 (调休).
    assert CAL.add_business_days(date(2024, 2, 9), 1) == date(2024, 2, 18)
    assert CAL.add_business_days(date(2024, 2, 18), -1) == date(2024, 2, 9)
    assert CAL.add_business_days(date(2024, 2, 12), 0) == date(2024, 2, 18)
    # A 15-business-day reply deadline from 26 Sep 2025 crosses National Day.
    assert CAL.add_business_days(date(2025, 9, 26), 15) == date(2025, 10, 23)


# --- provisional years ------------------------------------------------------------------------


def test_dates_in_provisional_years_carry_the_provisional_flag():
    year = CAL.official_through + 1
    assert CAL.is_provisional(date(year, 6, 1))
    assert not CAL.is_provisional(date(CAL.official_through, 12, 31))
    assert CAL.shift_with_flag(date(2026, 2, 16)) == (date(2026, 2, 24), False)
    assert CAL.shift_with_flag(date(2024, 3, 12)) == (date(2024, 3, 12), False)
    moved, flag = CAL.shift_with_flag(date(year, 1, 1))
    assert flag and moved > date(year, 1, 1)  # New Year's Day is a statutory holiday
    # A business day in a provisional year stays put but may still become a day off.
    assert CAL.shift_with_flag(date(year, 3, 10))[1]
    assert not CAL.shift_with_flag(date(year, 1, 1), "none")[1]


def test_spring_festival_2027_is_provisional_statutory_data_without_tiaoxiu():
    if CAL.official_through >= 2027:
        pytest.skip("2027 is official in this data")
    assert off(*days(date(2027, 2, 5), date(2027, 2, 10)))  # 除夕–初三 + 补假 for the weekend
    assert CAL.shift_with_flag(date(2027, 2, 6)) == (date(2027, 2, 11), True)
    assert not any(d.year > CAL.official_through for d in CAL.workdays)


def test_years_beyond_the_data_know_only_weekends_and_are_provisional():
    year = CAL.provisional_through + 1
    for d in days(date(year, 1, 1), date(year, 12, 31)):
        assert CAL.is_business_day(d) == (d.weekday() < 5)
        assert CAL.is_provisional(d)
    assert CAL.shift_with_flag(date(year, 1, 1)) == (CAL.next_business_day(date(year, 1, 1)), True)


def test_years_before_the_official_data_are_provisional():
    assert CAL.is_provisional(date(CAL.official_from - 1, 6, 1))
    assert not CAL.is_provisional(date(CAL.official_from, 6, 1))


def test_a_count_that_crosses_into_a_provisional_year_is_flagged():
    last = date(CAL.official_through, 12, 31)
    end, flag = CAL.add_business_days_with_flag(last, 2)
    assert end.year == CAL.official_through + 1 and flag
    assert CAL.add_business_days_with_flag(date(2024, 3, 1), 5) == (date(2024, 3, 8), False)


# --- input validation ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [datetime(2024, 2, 12, 9, 0), "2024-02-12", None])
def test_only_plain_dates_are_accepted(bad):
    with pytest.raises(DomainError) as err:
        CAL.is_business_day(bad)
    assert err.value.code == "calendar.not_a_date"


@pytest.mark.parametrize("bad", [True, 1.0, "3"])
def test_a_business_day_count_must_be_an_integer(bad):
    with pytest.raises(DomainError) as err:
        CAL.add_business_days(date(2024, 3, 1), bad)
    assert (err.value.code, err.value.field) == ("calendar.invalid_day_count", "days")


def test_a_calendar_refuses_inconsistent_data():
    sat = date(2024, 2, 3)
    with pytest.raises(DomainError) as err:
        HolidayCalendar(frozenset({sat}), frozenset({sat}), 2024, 2024)
    assert err.value.code == "calendar.conflicting_days"
    with pytest.raises(DomainError) as err:
        HolidayCalendar(frozenset(), frozenset({date(2024, 2, 5)}), 2024, 2024)
    assert err.value.code == "calendar.workday_not_weekend"
    with pytest.raises(DomainError) as err:
        HolidayCalendar(frozenset(), frozenset(), 2026, 2025)
    assert (err.value.code, err.value.field) == ("calendar.invalid_coverage", "provisional_through")
    with pytest.raises(DomainError) as err:
        HolidayCalendar(frozenset(), frozenset(), 2026, 2030, official_from=2027)
    assert err.value.field == "official_from"


def test_rolling_past_the_last_representable_date_is_a_domain_error():
    cal = HolidayCalendar(frozenset({date.max}), frozenset(), 2024, 2024)
    with pytest.raises(DomainError) as err:
        cal.next_business_day(date.max)
    assert err.value.code == "calendar.date_out_of_range"


# --- the loader ---------------------------------------------------------------------------------

GOOD = """# a comment
date,kind,name,provisional,source
2024-02-04,workday,spring_festival,0,gov.cn
2024-02-12,holiday,spring_festival,0,gov.cn

2027-02-10,holiday,spring_festival,1,statutory
"""


def test_the_loader_reads_a_good_file_and_derives_its_coverage():
    cal = parse_holiday_calendar(GOOD)
    assert cal.holidays == frozenset({date(2024, 2, 12), date(2027, 2, 10)})
    assert cal.workdays == frozenset({date(2024, 2, 4)})
    assert (cal.official_from, cal.official_through, cal.provisional_through) == (2024, 2024, 2027)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("2024-02-30,holiday,x,0,gov.cn", "bad date"),
        ("20240213,holiday,x,0,gov.cn", "bad date"),
        ("2024-02-13,vacation,x,0,gov.cn", "unknown kind"),
        ("2024-02-13,holiday,x,yes,gov.cn", "provisional must be 0 or 1"),
        ("2024-02-13,holiday,,0,gov.cn", "empty name"),
        ("2024-02-13,holiday,x,0,", "empty source"),
        ("2024-02-13,holiday,x,0", "expected 5 fields"),
        (
            "2024-02-12,holiday,spring_festival,0,gov.cn",
            "duplicate date 2024-02-12 (first on line 4)",
        ),
        ("2024-02-14,workday,x,0,gov.cn", "not a Saturday or Sunday"),
        ("2027-02-13,workday,x,1,statutory", "cannot know its 调休"),
        ("2024-06-10,holiday,x,1,statutory", "within the official years"),
    ],
)
def test_the_loader_rejects_a_malformed_row_naming_its_line(row, problem):
    text = GOOD.replace("\n\n", f"\n{row}\n")  # the blank line 5 becomes the bad row
    with pytest.raises(DataFileError) as err:
        parse_holiday_rows(text, "t.csv")
    assert err.value.line == 5
    assert problem in err.value.problem
    assert str(err.value).startswith("t.csv:5: ")


@pytest.mark.parametrize(
    "text",
    ["", "# only a comment\n", "date,kind,name,provisional,source\n", "day,kind\n2024-01-01,x\n"],
)
def test_the_loader_rejects_a_file_without_a_header_or_rows(text):
    with pytest.raises(DataFileError):
        parse_holiday_rows(text)


def test_the_loader_needs_official_rows():
    with pytest.raises(DataFileError, match="no official"):
        parse_holiday_calendar("date,kind,name,provisional,source\n2027-01-01,holiday,x,1,s\n")


# --- properties ---------------------------------------------------------------------------------

shipped_dates = st.dates(date(2003, 1, 1), date(2032, 12, 31))


@st.composite
def calendars(draw):
    """Random calendars around 2024: any days off, some of the other weekend days worked."""
    span = st.dates(date(2023, 12, 1), date(2025, 1, 31))
    holidays = draw(st.frozensets(span, max_size=80))
    weekend = st.dates(date(2023, 12, 1), date(2025, 1, 31)).filter(lambda d: d.weekday() >= 5)
    workdays = draw(st.frozensets(weekend, max_size=20)) - holidays
    return HolidayCalendar(holidays, workdays, 2024, 2024)


any_calendar = st.one_of(st.just(CAL), calendars())


@given(any_calendar, shipped_dates)
def test_next_and_previous_business_days_are_the_nearest_ones(cal, d):
    nxt, prev = cal.next_business_day(d), cal.previous_business_day(d)
    assert cal.is_business_day(nxt) and cal.is_business_day(prev)
    assert prev <= d <= nxt
    assert not any(cal.is_business_day(x) for x in days(d, nxt)[:-1])
    assert not any(cal.is_business_day(x) for x in days(prev, d)[1:])
    assert (nxt == d) == cal.is_business_day(d) == (prev == d)


@given(any_calendar, shipped_dates, st.sampled_from(BUSINESS_DAY_RULES[1:]))
def test_every_rule_lands_on_a_business_day_and_modified_rules_stay_in_the_month(cal, d, rule):
    moved = cal.shift(d, rule)
    assert cal.is_business_day(moved)
    if cal.is_business_day(d):
        assert moved == d
    month_has_one = any(
        cal.is_business_day(x) and x.month == d.month
        for x in days(d.replace(day=1), d.replace(day=28) + timedelta(4))
    )
    if rule.startswith("modified") and month_has_one:
        assert (moved.year, moved.month) == (d.year, d.month)


@given(any_calendar, shipped_dates, st.integers(-40, 40))
def test_adding_n_business_days_passes_exactly_n_of_them(cal, d, n):
    end = cal.add_business_days(d, n)
    assert cal.is_business_day(end)
    if n > 0:
        assert sum(cal.is_business_day(x) for x in days(d, end)[1:]) == n
    elif n < 0:
        assert sum(cal.is_business_day(x) for x in days(end, d)[:-1]) == -n
    else:
        assert end == cal.next_business_day(d)


@given(any_calendar, shipped_dates, st.integers(1, 30), st.integers(1, 30))
def test_business_day_steps_compose_and_undo(cal, d, a, b):
    start = cal.next_business_day(d)
    assert cal.add_business_days(cal.add_business_days(start, a), b) == cal.add_business_days(
        start, a + b
    )
    assert cal.add_business_days(cal.add_business_days(start, a), -a) == start


@given(shipped_dates, st.sampled_from(BUSINESS_DAY_RULES))
def test_the_flag_says_whether_a_shift_touched_a_provisional_year(d, rule):
    moved, flag = CAL.shift_with_flag(d, rule)
    assert moved == CAL.shift(d, rule)
    expected = rule != "none" and (CAL.is_provisional(d) or CAL.is_provisional(moved))
    assert flag == expected


@given(
    st.dates(date(1900, 1, 1), date(2003, 12, 31)) | st.dates(date(2031, 1, 1), date(2200, 1, 1))
)
def test_outside_the_data_only_weekends_are_days_off(d):
    assume(d.year < CAL.official_from or d.year > CAL.provisional_through)
    assert CAL.is_business_day(d) == (d.weekday() < 5)


# --- cross-checks against the packages the data came from (dev tools) ----------------------------


def test_every_official_day_agrees_with_chinese_calendar():
    cc = pytest.importorskip(
        "chinese_calendar", reason="chinese_calendar (the 'tools' extra) is not installed"
    )
    first = min(2020, CAL.official_from)
    mismatches = [
        d
        for d in days(date(first, 1, 1), date(CAL.official_through, 12, 31))
        if CAL.is_business_day(d) != cc.is_workday(d)
    ]
    assert mismatches == []


def test_the_shipped_file_is_what_the_generator_makes_from_the_installed_packages():
    pytest.importorskip("chinese_calendar", reason="chinese_calendar is not installed")
    pytest.importorskip("holidays", reason="the holidays package is not installed")
    spec = importlib.util.spec_from_file_location("gen_holidays", ROOT / "scripts/gen_holidays.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    _, data = gen.generate(CAL.provisional_through)
    shipped = (ROOT / "src/xieshang/data/holidays_cn.csv").read_text(encoding="utf-8")
    assert gen._data_lines(shipped) == data, "regenerate with scripts/gen_holidays.py"
