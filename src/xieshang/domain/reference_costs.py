"""Reference living costs: published figures shown beside a borrower's own budget.

Like the UK Standard Financial Statement's trigger figures, they are never imposed and always
carry their year, source and confidence.  Figures are kept per person per *year* exactly as
published (国家统计局 居民人均消费支出); the monthly figure is that ÷ 12 as an exact Decimal and is
rounded (half-up to the fen) only for display, or once at the end of a household total, so
4 × 35,818 / 12 = 11,939.33 and not 4 × 2,984.83 = 11,939.32.

Values come from ``xieshang.data.living_costs``; the domain never reads files.

>>> f = ConsumptionFigure("广东省", Area.ALL, None, 2024, Decimal(35818), "NBS", Confidence.PRIMARY)
>>> f.per_person_monthly_display, f.household_monthly(Decimal(4))
(Decimal('2984.83'), Decimal('11939.33'))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from enum import Enum
from typing import TYPE_CHECKING, Literal

from .errors import DomainError
from .money import round_money

if TYPE_CHECKING:  # only for the annotation; affordability imports this module
    from .affordability import ExpenseCategory

NATIONAL = "全国"


class Confidence(Enum):
    """How far a shipped figure was checked (the marks used in the reference notes)."""

    PRIMARY = "primary"  # ✅ the primary source or its verbatim export
    TWO_SOURCES = "two-sources"  # ☑️ two agreeing sources
    ONE_SOURCE_CHECKED = "one-source-checked"  # ⚠️✓ one source that fits published sums
    ONE_SOURCE = "one-source"  # ⚠️ one source

    @property
    def mark(self) -> str:
        return {"primary": "✅", "two-sources": "☑️", "one-source-checked": "⚠️✓"}.get(
            self.value, "⚠️"
        )


class Area(Enum):
    ALL = "all"  # 全体居民
    URBAN = "urban"  # 城镇居民
    RURAL = "rural"  # 农村居民


def _exact_month(per_year: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 40
        return per_year / 12


@dataclass(frozen=True, slots=True)
class ConsumptionFigure:
    """Per-capita consumption for ``region`` (``"全国"`` or a province's full name) in ``year``;
    ``category`` None is the total of all categories."""

    region: str
    area: Area
    category: ExpenseCategory | None
    year: int
    per_person_year: Decimal
    source: str
    confidence: Confidence

    @property
    def per_person_monthly(self) -> Decimal:
        """Exact ÷ 12 (40 significant digits); round only to show it."""
        return _exact_month(self.per_person_year)

    @property
    def per_person_monthly_display(self) -> Decimal:
        return round_money(self.per_person_monthly)

    def household_monthly(self, persons: Decimal) -> Decimal:
        """per person per year × persons ÷ 12, rounded half-up to the fen once."""
        with localcontext() as ctx:
            ctx.prec = 40
            return round_money(self.per_person_year * persons / 12)


@dataclass(frozen=True, slots=True)
class MinimumWage:
    """月最低工资标准 (first tier unless ``tier`` says otherwise); ``city`` None = province-wide."""

    province: str
    city: str | None
    tier: int
    as_of: date
    per_month: Decimal
    source: str
    confidence: Confidence


@dataclass(frozen=True, slots=True)
class ExampleAllowance:
    """What one real plan let one household keep each month (help text, not a formula)."""

    key: str
    year: int
    adults: int
    children: int
    per_month: Decimal
    months: int
    source: str
    confidence: Confidence


@dataclass(frozen=True, slots=True)
class ReferenceUse:
    """The reference figure applied to one household, with everything needed to label it."""

    figure: ConsumptionFigure
    persons: Decimal
    household_monthly: Decimal
    findings: tuple[str, ...] = ()

    @property
    def level(self) -> Literal["national", "province"]:
        return "national" if self.figure.region == NATIONAL else "province"


@dataclass(frozen=True, slots=True)
class ReferenceLivingCosts:
    """All shipped reference figures (built by ``xieshang.data.living_costs``)."""

    national: tuple[ConsumptionFigure, ...]
    provinces: tuple[ConsumptionFigure, ...]
    minimum_wages: tuple[MinimumWage, ...] = ()
    examples: tuple[ExampleAllowance, ...] = field(default=())

    def province_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.region for f in self.provinces))

    def resolve_province(self, name: str) -> str | None:
        """The full name for ``name``: exact, or the one province it begins (``"广东"`` →
        ``"广东省"``, ``"内蒙古"`` → ``"内蒙古自治区"``); None if unknown or ambiguous."""
        key = name.strip()
        names = self.province_names()
        if key in names:
            return key
        hits = [n for n in names if len(key) >= 2 and n.startswith(key)]
        return hits[0] if len(hits) == 1 else None

    def consumption(
        self,
        *,
        province: str | None = None,
        area: Area = Area.ALL,
        year: int | None = None,
        category: ExpenseCategory | None = None,
    ) -> ConsumptionFigure | None:
        """The figure for a province (full name) or the nation, latest year unless ``year``."""
        pool = self.provinces if province else self.national
        region = province or NATIONAL
        hits = [
            f
            for f in pool
            if f.region == region
            and f.area is area
            and f.category is category
            and (year is None or f.year == year)
        ]
        return max(hits, key=lambda f: f.year) if hits else None

    def minimum_wage(self, province: str, city: str | None = None) -> MinimumWage | None:
        """First-tier minimum wage: the city's own figure if shipped, else the province's."""
        full = self.resolve_province(province) or province
        rows = [w for w in self.minimum_wages if w.province == full and w.tier == 1]
        for w in rows:
            if city and w.city and (w.city == city or w.city.startswith(city)):
                return w
        return next((w for w in rows if w.city is None), None)

    def for_household(
        self,
        persons: Decimal,
        *,
        province: str | None = None,
        urban: bool | None = None,
        year: int | None = None,
    ) -> ReferenceUse:
        """Per-person monthly consumption × ``persons``: the province's figure when the province
        is known (all residents: provinces are not split urban/rural here), else the national
        urban or rural figure when ``urban`` is known, else the national all-residents figure.

        >>> ref = ReferenceLivingCosts(national=(
        ...     ConsumptionFigure("全国", Area.ALL, None, 2024, Decimal(28227), "NBS",
        ...                       Confidence.ONE_SOURCE_CHECKED),), provinces=())
        >>> use = ref.for_household(Decimal(3), province="火星")
        >>> use.household_monthly, use.findings
        (Decimal('7056.75'), ('reference.province_unknown',))
        """
        if persons <= 0:
            raise DomainError("household.size_not_positive", field="household", value=str(persons))
        findings: list[str] = []
        figure = None
        if province:
            full = self.resolve_province(province)
            if full is None:
                findings.append("reference.province_unknown")
            else:
                figure = self.consumption(province=full, year=year)
                if figure is None:
                    findings.append("reference.province_year_unavailable")
        if figure is None:
            area = Area.ALL if urban is None else (Area.URBAN if urban else Area.RURAL)
            figure = self.consumption(area=area, year=year)
            if figure is None and area is not Area.ALL:
                findings.append("reference.area_unavailable")
                figure = self.consumption(year=year)
        if figure is None:
            raise DomainError("reference.year_unavailable", field="reference_year", value=year)
        return ReferenceUse(figure, persons, figure.household_monthly(persons), tuple(findings))
