"""Loader for the shipped reference living costs.

Files (each row dated, sourced and marked with its confidence):

- ``living_costs_national.csv`` — NBS per-capita consumption, yuan per person per year, all /
  urban / rural totals and the eight categories;
- ``living_costs_province.csv`` — NBS per-capita consumption by province (all residents);
- ``minimum_wage.csv`` — first-tier monthly minimum wage by province (新疆 left out on purpose);
- ``living_costs_examples.csv`` — allowances set in real plans (the Shenzhen 2021 case).

Every row is validated; a bad file raises ``DataFileError`` naming the file and line.  Where a
year lists all eight categories, they must sum exactly to that year's all-residents total.
Subsistence floors (低保) are not shipped: the values found were out of date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TypeVar

from xieshang.data import DataFileError, read_csv_rows
from xieshang.domain.affordability import ExpenseCategory
from xieshang.domain.reference_costs import (
    NATIONAL,
    Area,
    Confidence,
    ConsumptionFigure,
    ExampleAllowance,
    MinimumWage,
    ReferenceLivingCosts,
)

NATIONAL_FILE = "living_costs_national.csv"
PROVINCE_FILE = "living_costs_province.csv"
MINIMUM_WAGE_FILE = "minimum_wage.csv"
EXAMPLES_FILE = "living_costs_examples.csv"

# The eight NBS survey categories (the others in ExpenseCategory are not in the survey).
NBS_CATEGORIES = (
    ExpenseCategory.FOOD,
    ExpenseCategory.CLOTHING,
    ExpenseCategory.HOUSING,
    ExpenseCategory.HOUSEHOLD,
    ExpenseCategory.TRANSPORT_COMMUNICATION,
    ExpenseCategory.EDUCATION_CULTURE_RECREATION,
    ExpenseCategory.HEALTH_CARE,
    ExpenseCategory.OTHER,
)

T = TypeVar("T")


class _Row:
    """One CSV row with typed getters that raise ``DataFileError`` at its line."""

    def __init__(self, filename: str, line: int, row: dict[str, str]) -> None:
        self.filename, self.line, self.row = filename, line, row

    def fail(self, problem: str) -> DataFileError:
        return DataFileError(self.filename, self.line, problem)

    def text(self, name: str, *, required: bool = True) -> str:
        value = self.row.get(name)
        if value is None:
            raise self.fail(f"column {name!r} missing")
        if required and not value:
            raise self.fail(f"{name} is empty")
        return value

    def parse(self, name: str, convert: Callable[[str], T], what: str) -> T:
        value = self.text(name)
        try:
            return convert(value)
        except (ValueError, InvalidOperation):
            raise self.fail(f"{name} {value!r} is not {what}") from None

    def amount(self, name: str) -> Decimal:
        d = self.parse(name, Decimal, "a number")
        if not d.is_finite() or d <= 0 or d != d.quantize(Decimal("0.01")):
            raise self.fail(f"{name} {d} is not a positive amount in whole fen")
        return d.quantize(Decimal("0.01"))

    def year(self, name: str = "as_of") -> int:
        y = self.parse(name, int, "a year")
        if not 2000 <= y <= 2100:
            raise self.fail(f"{name} {y} is not a plausible year")
        return y

    def confidence(self) -> Confidence:
        return self.parse("confidence", Confidence, "a confidence mark")


def _rows(filename: str) -> list[_Row]:
    return [_Row(filename, line, row) for line, row in read_csv_rows(filename)]


def _category(row: _Row) -> ExpenseCategory | None:
    name = row.text("category")
    if name == "total":
        return None
    category = row.parse("category", ExpenseCategory, "a category")
    if category not in NBS_CATEGORIES:
        raise row.fail(f"category {name!r} is not an NBS survey category")
    return category


def _national() -> tuple[ConsumptionFigure, ...]:
    figures: dict[tuple[int, Area, ExpenseCategory | None], tuple[_Row, ConsumptionFigure]] = {}
    for row in _rows(NATIONAL_FILE):
        area = row.parse("area", Area, "all, urban or rural")
        category = _category(row)
        if category is not None and area is not Area.ALL:
            raise row.fail("categories are shipped for all residents only")
        figure = ConsumptionFigure(
            NATIONAL,
            area,
            category,
            row.year(),
            row.amount("yuan_per_person_year"),
            row.text("source"),
            row.confidence(),
        )
        key = (figure.year, area, category)
        if key in figures:
            raise row.fail(f"duplicate row (first at line {figures[key][0].line})")
        figures[key] = (row, figure)
    for (year, area, category), (row, figure) in figures.items():
        if area is not Area.ALL or category is not None:
            continue
        parts = [figures.get((year, Area.ALL, c)) for c in NBS_CATEGORIES]
        if all(p is not None for p in parts):
            summed = sum((p[1].per_person_year for p in parts if p is not None), Decimal(0))
            if summed != figure.per_person_year:
                raise row.fail(
                    f"{year} categories sum to {summed}, total is {figure.per_person_year}"
                )
    return tuple(f for _, f in figures.values())


def _provinces() -> tuple[ConsumptionFigure, ...]:
    seen: dict[tuple[str, int], int] = {}
    out = []
    for row in _rows(PROVINCE_FILE):
        province = row.text("province")
        year = row.year()
        if (province, year) in seen:
            raise row.fail(f"duplicate row (first at line {seen[province, year]})")
        seen[province, year] = row.line
        out.append(
            ConsumptionFigure(
                province,
                Area.ALL,
                None,
                year,
                row.amount("yuan_per_person_year"),
                row.text("source"),
                row.confidence(),
            )
        )
    return tuple(out)


def _minimum_wages() -> tuple[MinimumWage, ...]:
    seen: dict[tuple[str, str, int], int] = {}
    out = []
    for row in _rows(MINIMUM_WAGE_FILE):
        province = row.text("province")
        city = row.text("city", required=False)
        tier = row.parse("tier", int, "a whole number")
        if tier < 1:
            raise row.fail(f"tier {tier} is not 1 or more")
        if (province, city, tier) in seen:
            raise row.fail(f"duplicate row (first at line {seen[province, city, tier]})")
        seen[province, city, tier] = row.line
        out.append(
            MinimumWage(
                province,
                city or None,
                tier,
                row.parse("as_of", date.fromisoformat, "a date (YYYY-MM-DD)"),
                row.amount("yuan_per_month"),
                row.text("source"),
                row.confidence(),
            )
        )
    return tuple(out)


def _examples() -> tuple[ExampleAllowance, ...]:
    out = []
    for row in _rows(EXAMPLES_FILE):
        adults = row.parse("adults", int, "a whole number")
        children = row.parse("children", int, "a whole number")
        months = row.parse("months", int, "a whole number")
        if adults < 1 or children < 0 or months < 1:
            raise row.fail("adults must be ≥ 1, children ≥ 0 and months ≥ 1")
        out.append(
            ExampleAllowance(
                row.text("key"),
                row.year("year"),
                adults,
                children,
                row.amount("yuan_per_month"),
                months,
                row.text("source"),
                row.confidence(),
            )
        )
    return tuple(out)


def read_reference_living_costs() -> ReferenceLivingCosts:
    """Read and validate every file now (no cache)."""
    return ReferenceLivingCosts(
        national=_national(),
        provinces=_provinces(),
        minimum_wages=_minimum_wages(),
        examples=_examples(),
    )


@cache
def load_reference_living_costs() -> ReferenceLivingCosts:
    """All shipped reference living costs, validated (cached: the files ship with the code).

    >>> ref = load_reference_living_costs()
    >>> ref.consumption(province="广东省", year=2024).per_person_monthly_display
    Decimal('2984.83')
    """
    return read_reference_living_costs()
