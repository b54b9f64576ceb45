"""China's business-day calendar: official days off, 调休 working weekends, due-date shifting.

China moves days around: the State Council announces each November which weekdays of the next
year are off (法定节假日 plus bridging days) and which weekends are worked instead (调休).  A
business day is therefore a weekday that is not a day off, or a weekend day that is worked.

Only the years the State Council has announced are certain (``official_through``).  Later years
carry the statutory holidays with no 调休 (``provisional_through``); beyond that only weekends
are known.  Anything computed from a date outside the official years is *provisional*, and
:meth:`HolidayCalendar.shift_with_flag` says so, so a due date can be shown as "may move".

The calendar is a value: the data loader (``xieshang.data.holidays``) builds it from the shipped
file; the domain never reads files.

>>> cal = HolidayCalendar(
...     holidays=frozenset({date(2024, 10, 1), date(2024, 10, 7)}),
...     workdays=frozenset({date(2024, 10, 12)}),
...     official_through=2024,
...     provisional_through=2025,
... )
>>> cal.shift(date(2024, 10, 5))  # Saturday → Monday 7th is off → Tuesday
datetime.date(2024, 10, 8)
>>> cal.is_business_day(date(2024, 10, 12))  # a worked Saturday (调休)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .errors import DomainError

#: Business-day conventions for moving a date that falls on a day off (ISDA names).
BUSINESS_DAY_RULES: tuple[str, ...] = (
    "none",
    "following",
    "modified-following",
    "preceding",
    "modified-preceding",
)

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


def _check_date(d: object, field: str = "date") -> date:
    # A datetime never equals the date of the same day, so it would silently miss every holiday.
    if not isinstance(d, date) or isinstance(d, datetime):
        raise DomainError("calendar.not_a_date", field=field, value=repr(d))
    return d


def _check_year(value: object, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= date.max.year:
        raise DomainError("calendar.invalid_coverage", field=field, value=repr(value))
    return value


def _step(d: date, direction: int) -> date:
    try:
        return d + direction * _ONE_DAY
    except OverflowError:
        raise DomainError("calendar.date_out_of_range", field="date", value=d.isoformat()) from None


@dataclass(frozen=True, slots=True)
class HolidayCalendar:
    """Official days off and worked weekends, with the years each kind of knowledge covers.

    ``holidays`` are official days off (a weekend day inside a holiday may be listed too; it is
    off either way).  ``workdays`` are weekend days that are worked (调休); they must be
    Saturdays or Sundays and must not also be holidays.  Years before ``official_from`` (default:
    no lower bound) or after ``official_through`` are provisional.

    >>> cal = HolidayCalendar(frozenset(), frozenset(), official_through=2026,
    ...                       provisional_through=2030)
    >>> cal.is_business_day(date(2026, 3, 7)), cal.is_provisional(date(2027, 1, 4))
    (False, True)
    """

    holidays: frozenset[date]
    workdays: frozenset[date]
    official_through: int
    provisional_through: int
    official_from: int = 1

    def __post_init__(self) -> None:
        holidays = frozenset(_check_date(d, "holidays") for d in self.holidays)
        workdays = frozenset(_check_date(d, "workdays") for d in self.workdays)
        official_from = _check_year(self.official_from, "official_from")
        official_through = _check_year(self.official_through, "official_through")
        provisional_through = _check_year(self.provisional_through, "provisional_through")
        if official_from > official_through:
            raise DomainError(
                "calendar.invalid_coverage",
                field="official_from",
                value=official_from,
                official_through=official_through,
            )
        if provisional_through < official_through:
            raise DomainError(
                "calendar.invalid_coverage",
                field="provisional_through",
                value=provisional_through,
                official_through=official_through,
            )
        both = holidays & workdays
        if both:
            raise DomainError(
                "calendar.conflicting_days", field="workdays", value=min(both).isoformat()
            )
        weekday_workdays = [d for d in workdays if d.weekday() < _SATURDAY]
        if weekday_workdays:
            raise DomainError(
                "calendar.workday_not_weekend",
                field="workdays",
                value=min(weekday_workdays).isoformat(),
            )
        # Accept any iterable of dates from callers but store the immutable, hashable form.
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "workdays", workdays)

    def is_business_day(self, d: date) -> bool:
        """True on a weekday that is not a day off, and on a worked weekend (调休).

        >>> cal = HolidayCalendar(frozenset({date(2024, 2, 12)}), frozenset({date(2024, 2, 4)}),
        ...                       official_through=2024, provisional_through=2024)
        >>> [cal.is_business_day(date(2024, 2, day)) for day in (4, 5, 10, 12)]
        [True, True, False, False]
        """
        d = _check_date(d)
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < _SATURDAY

    def is_provisional(self, d: date) -> bool:
        """True when ``d`` lies outside the years of official data, so its status may change.

        >>> cal = HolidayCalendar(frozenset(), frozenset(), 2026, 2030, official_from=2004)
        >>> [cal.is_provisional(date(y, 6, 1)) for y in (2003, 2004, 2026, 2027, 2031)]
        [True, False, False, True, True]
        """
        year = _check_date(d).year
        return year < self.official_from or year > self.official_through

    def next_business_day(self, d: date) -> date:
        """``d`` itself if it is a business day, otherwise the first business day after it.

        >>> cal = HolidayCalendar(frozenset(), frozenset(), 2024, 2024)
        >>> cal.next_business_day(date(2024, 3, 9))  # Saturday
        datetime.date(2024, 3, 11)
        """
        return self._roll(_check_date(d), 1)

    def previous_business_day(self, d: date) -> date:
        """``d`` itself if it is a business day, otherwise the last business day before it.

        >>> cal = HolidayCalendar(frozenset(), frozenset(), 2024, 2024)
        >>> cal.previous_business_day(date(2024, 3, 10))  # Sunday
        datetime.date(2024, 3, 8)
        """
        return self._roll(_check_date(d), -1)

    def _roll(self, d: date, direction: int) -> date:
        while not self.is_business_day(d):
            d = _step(d, direction)
        return d

    def shift(self, d: date, rule: str = "following") -> date:
        """Move ``d`` onto a business day by ``rule`` (see :data:`BUSINESS_DAY_RULES`).

        ``modified-following`` moves forward unless that leaves the month, then backward;
        ``modified-preceding`` is its mirror.  ``none`` keeps ``d``.

        >>> cal = HolidayCalendar(frozenset(), frozenset(), 2024, 2024)
        >>> cal.shift(date(2024, 8, 31), "following"), cal.shift(date(2024, 8, 31),
        ...                                                      "modified-following")
        (datetime.date(2024, 9, 2), datetime.date(2024, 8, 30))
        """
        d = _check_date(d)
        if rule == "none":
            return d
        if rule == "following":
            return self.next_business_day(d)
        if rule == "preceding":
            return self.previous_business_day(d)
        if rule == "modified-following":
            moved = self.next_business_day(d)
            return moved if moved.month == d.month else self.previous_business_day(d)
        if rule == "modified-preceding":
            moved = self.previous_business_day(d)
            return moved if moved.month == d.month else self.next_business_day(d)
        raise DomainError(
            "calendar.unknown_rule",
            field="business_day_rule",
            value=repr(rule),
            allowed=", ".join(BUSINESS_DAY_RULES),
        )

    def shift_with_flag(self, d: date, rule: str = "following") -> tuple[date, bool]:
        """The shifted date and whether it rests on provisional data (and so may still move).

        The flag is set when either end of the move lies in a provisional year: every day
        looked at lies between the two.  ``none`` never depends on the calendar.

        >>> cal = HolidayCalendar(frozenset(), frozenset(), 2026, 2030)
        >>> cal.shift_with_flag(date(2026, 12, 31))
        (datetime.date(2026, 12, 31), False)
        >>> cal.shift_with_flag(date(2027, 1, 2))  # Saturday in a provisional year
        (datetime.date(2027, 1, 4), True)
        """
        moved = self.shift(d, rule)
        if rule == "none":
            return moved, False
        return moved, self.is_provisional(d) or self.is_provisional(moved)

    def add_business_days(self, d: date, n: int) -> date:
        """The date ``n`` business days after ``d`` (before it when ``n`` is negative).

        ``d`` need not be a business day: the first step lands on the next (or previous)
        business day, as 工作日 deadlines are counted.  ``n == 0`` rolls ``d`` forward.

        >>> cal = HolidayCalendar(frozenset({date(2024, 10, 1)}), frozenset(), 2024, 2024)
        >>> cal.add_business_days(date(2024, 9, 27), 1)  # Friday → Mon 30th
        datetime.date(2024, 9, 30)
        >>> cal.add_business_days(date(2024, 9, 30), 1)  # 1 Oct is off
        datetime.date(2024, 10, 2)
        >>> cal.add_business_days(date(2024, 10, 2), -2)
        datetime.date(2024, 9, 27)
        """
        d = _check_date(d)
        if not isinstance(n, int) or isinstance(n, bool):
            raise DomainError("calendar.invalid_day_count", field="days", value=repr(n))
        if n == 0:
            return self.next_business_day(d)
        direction = 1 if n > 0 else -1
        for _ in range(abs(n)):
            d = self._roll(_step(d, direction), direction)
        return d

    def add_business_days_with_flag(self, d: date, n: int) -> tuple[date, bool]:
        """:meth:`add_business_days` and whether the count crossed provisional data.

        >>> cal = HolidayCalendar(frozenset(), frozenset(), 2026, 2030)
        >>> cal.add_business_days_with_flag(date(2026, 12, 30), 3)
        (datetime.date(2027, 1, 4), True)
        """
        end = self.add_business_days(d, n)
        return end, self.is_provisional(d) or self.is_provisional(end)
