"""Load China's holiday calendar from the shipped ``holidays_cn.csv`` (see scripts/gen_holidays.py).

Rows are ``date,kind,name,provisional,source``: ``kind`` is ``holiday`` (an official day off) or
``workday`` (a weekend day that is worked, 调休); ``provisional=1`` rows are statutory holidays for
years the State Council has not announced yet.  Every row is checked; a bad file fails loudly
with its line number rather than shifting due dates silently.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from types import MappingProxyType

from xieshang.data import DataFileError, read_text
from xieshang.domain.calendar import HolidayCalendar

FILENAME = "holidays_cn.csv"
COLUMNS = ("date", "kind", "name", "provisional", "source")
KINDS = ("holiday", "workday")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SATURDAY = 5


@dataclass(frozen=True, slots=True)
class HolidayRow:
    """One validated row of the holiday file."""

    line: int
    day: date
    kind: str
    name: str
    provisional: bool
    source: str


def _parse_row(filename: str, line: int, fields: list[str]) -> HolidayRow:
    if len(fields) != len(COLUMNS):
        raise DataFileError(filename, line, f"expected {len(COLUMNS)} fields, got {len(fields)}")
    raw_day, kind, name, provisional, source = (f.strip() for f in fields)
    # date.fromisoformat also takes "20240210"; the file promises YYYY-MM-DD.
    if not _ISO_DATE.fullmatch(raw_day):
        raise DataFileError(filename, line, f"bad date {raw_day!r} (want YYYY-MM-DD)")
    try:
        day = date.fromisoformat(raw_day)
    except ValueError:
        raise DataFileError(filename, line, f"bad date {raw_day!r}") from None
    if kind not in KINDS:
        raise DataFileError(filename, line, f"unknown kind {kind!r} (want one of {KINDS})")
    if provisional not in ("0", "1"):
        raise DataFileError(filename, line, f"provisional must be 0 or 1, got {provisional!r}")
    if not name:
        raise DataFileError(filename, line, "empty name")
    if not source:
        raise DataFileError(filename, line, "empty source")
    if kind == "workday" and day.weekday() < _SATURDAY:
        raise DataFileError(filename, line, f"workday {raw_day} is not a Saturday or Sunday")
    if kind == "workday" and provisional == "1":
        raise DataFileError(filename, line, "a provisional year cannot know its 调休 workdays")
    return HolidayRow(line, day, kind, name, provisional == "1", source)


def parse_holiday_rows(text: str, filename: str = FILENAME) -> tuple[HolidayRow, ...]:
    """Validated rows of holiday-file ``text``; ``#`` lines and blank lines are skipped.

    Raises DataFileError (file, line, problem) on a wrong header, a bad date, an unknown kind,
    a bad provisional mark, a weekday "workday", a duplicate date, or provisional and official
    rows for the same year.
    """
    body = [
        (i, ln)
        for i, ln in enumerate(text.splitlines(), start=1)
        if ln.strip() and not ln.lstrip().startswith("#")
    ]
    if not body:
        raise DataFileError(filename, None, "no rows")
    # One record per physical line: a quoted newline is not valid in this file anyway.
    records = [next(csv.reader([ln])) for _, ln in body]
    header_line = body[0][0]
    if tuple(f.strip() for f in records[0]) != COLUMNS:
        raise DataFileError(filename, header_line, f"header must be {','.join(COLUMNS)}")
    if len(records) == 1:
        raise DataFileError(filename, None, "no rows")

    rows: list[HolidayRow] = []
    seen: dict[date, int] = {}
    for (line, _), fields in zip(body[1:], records[1:], strict=True):
        row = _parse_row(filename, line, fields)
        if row.day in seen:
            raise DataFileError(
                filename,
                line,
                f"duplicate date {row.day.isoformat()} (first on line {seen[row.day]})",
            )
        seen[row.day] = line
        rows.append(row)

    official_years = {r.day.year for r in rows if not r.provisional}
    for row in rows:
        if row.provisional and official_years and row.day.year <= max(official_years):
            raise DataFileError(
                filename,
                row.line,
                f"provisional row in {row.day.year}, within the official years "
                f"(up to {max(official_years)})",
            )
    return tuple(rows)


def calendar_from_rows(rows: tuple[HolidayRow, ...]) -> HolidayCalendar:
    """The domain calendar for validated rows: coverage years are read off the data."""
    official = [r.day.year for r in rows if not r.provisional]
    if not official:
        raise DataFileError(FILENAME, None, "no official (provisional=0) rows")
    provisional = [r.day.year for r in rows if r.provisional]
    return HolidayCalendar(
        holidays=frozenset(r.day for r in rows if r.kind == "holiday"),
        workdays=frozenset(r.day for r in rows if r.kind == "workday"),
        official_through=max(official),
        provisional_through=max(provisional, default=max(official)),
        official_from=min(official),
    )


def parse_holiday_calendar(text: str, filename: str = FILENAME) -> HolidayCalendar:
    """Holiday-file ``text`` → HolidayCalendar (validated; DataFileError on a bad row)."""
    return calendar_from_rows(parse_holiday_rows(text, filename))


@lru_cache(maxsize=1)
def load_holiday_rows() -> tuple[HolidayRow, ...]:
    """The shipped file's validated rows (read once per process)."""
    return parse_holiday_rows(read_text(FILENAME), FILENAME)


@lru_cache(maxsize=1)
def load_holiday_calendar() -> HolidayCalendar:
    """China's business-day calendar from the shipped data (read once per process)."""
    return calendar_from_rows(load_holiday_rows())


@lru_cache(maxsize=1)
def load_holiday_names() -> Mapping[date, str]:
    """Which holiday each shipped day off or 调休 workday belongs to (e.g. ``spring_festival``),
    so a face can say why a due date moved."""
    return MappingProxyType({r.day: r.name for r in load_holiday_rows()})
