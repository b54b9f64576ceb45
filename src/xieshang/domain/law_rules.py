"""The legal rules as values: LPR fixings, cap rules, and which cap governs a loan.

The rules themselves are data (``data/legal_rules.toml``, loaded by ``xieshang.data.law``):
each one says to which lender types and contract dates it applies, its cap, what the cap
covers, its citation, source and confidence mark.  This module holds their shape and the two
look-ups the assessment (``law``) needs:

* ``LprTable.one_year_at`` — the one-year Loan Prime Rate in force on a day;
* ``select_regime`` — the one *cap* rule for a lender type and contract date.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from .errors import DomainError
from .loan import LenderType


@dataclass(frozen=True, slots=True)
class LprFixing:
    """One LPR fixing (rates as fractions) with its confidence marks and source."""

    effective_date: date
    one_year: Decimal
    five_year: Decimal
    confidence_1y: str = "☑️"
    confidence_5y: str = "☑️"
    source: str = ""


@dataclass(frozen=True, slots=True)
class LprTable:
    """LPR fixings sorted by date; a rate applies from its fixing until the next one.

    >>> t = LprTable((LprFixing(date(2019, 8, 20), Decimal("0.0425"), Decimal("0.0485")),
    ...               LprFixing(date(2020, 4, 20), Decimal("0.0385"), Decimal("0.0465"))))
    >>> t.one_year_at(date(2020, 4, 19)), t.one_year_at(date(2021, 3, 1))
    (Decimal('0.0425'), Decimal('0.0385'))
    """

    fixings: tuple[LprFixing, ...]

    def __post_init__(self) -> None:
        if not self.fixings:
            raise DomainError("lpr.table_empty", field="fixings")
        days = [f.effective_date for f in self.fixings]
        if any(a >= b for a, b in itertools.pairwise(days)):
            raise DomainError("lpr.table_not_increasing", field="fixings")

    def fixing_at(self, day: date) -> LprFixing:
        """The latest fixing on or before ``day``."""
        i = bisect.bisect_right([f.effective_date for f in self.fixings], day)
        if i == 0:
            raise DomainError(
                "lpr.before_first_fixing",
                field="date",
                value=day.isoformat(),
                first=self.fixings[0].effective_date.isoformat(),
            )
        return self.fixings[i - 1]

    def one_year_at(self, day: date) -> Decimal:
        return self.fixing_at(day).one_year


class RuleKind(Enum):
    CAP = "cap"  # the binding line of a regime: one per lender type and contract date
    VOID_LINE = "void_line"  # legacy private lending: charges above it are void (refundable)
    ADVISORY_LINE = "advisory_line"  # a line the APR is compared with; never a hard cap
    TERM_LIMIT = "term_limit"  # longest installment term in months
    OVERDUE_MARKUP = "overdue_markup"  # overdue rate ≤ contract rate × (1 + line)
    UPFRONT_DEDUCTION = "upfront_deduction"  # interest or fees deducted from the proceeds
    DISCLOSURE_GAP = "disclosure_gap"  # nominal rate differs from the true APR by > line
    NOTE = "note"  # shown when its ``when`` condition holds


class CapDate(Enum):
    CONTRACT_DATE = "contract_date"
    FILING = "filing"  # the day a suit is filed (before any suit: the assessment day)


class Covers(Enum):
    INTEREST = "interest"
    ALL_IN = "all_in"  # interest, fees, overdue interest and 违约金 together


NOTE_WHEN = ("always", "above_cap", "filing_date_unknown")
SEVERITIES = ("info", "warning", "violation")
CONFIDENCE_MARKS = ("✅", "☑️", "⚠️")
# Every value a finding's explanation template may use (the loader refuses any other name).
PLACEHOLDERS = frozenset(
    {
        "lender", "lender_type", "contract_date", "as_of", "filing_day", "regime", "cap_pct",
        "cap_after_pct", "split_on", "lpr_pct", "lpr_date", "filing_lpr_pct", "apr_pct",
        "apr_compound_pct", "nominal_pct", "principal", "received", "deducted_interest",
        "deducted_fees", "charges_total", "charges_allowed", "amount", "months", "overdue_pct",
        "line_pct", "void_amount", "limit_months", "limit_pct", "deducted", "gap_pct",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CapSpec:
    """A cap as the data states it: ``"0.24"`` (fixed), ``"4x_lpr_1y"`` or ``"none"``.

    >>> CapSpec.parse("4x_lpr_1y").multiple, CapSpec.parse("0.24").rate
    (Decimal('4'), Decimal('0.24'))
    """

    text: str
    rate: Decimal | None = None
    multiple: Decimal | None = None
    at: CapDate = CapDate.CONTRACT_DATE

    @classmethod
    def parse(cls, text: str, at: CapDate = CapDate.CONTRACT_DATE) -> CapSpec:
        raw = text.strip().lower()
        if raw == "none":
            return cls(raw, at=at)
        if raw.endswith("x_lpr_1y"):
            multiple = _decimal(raw.removesuffix("x_lpr_1y"), "cap")
            if multiple <= 0:
                raise DomainError("law.cap_invalid", field="cap", value=text)
            return cls(raw, multiple=multiple, at=at)
        rate = _decimal(raw, "cap")
        if not 0 < rate < 10:
            raise DomainError("law.cap_invalid", field="cap", value=text)
        return cls(raw, rate=rate, at=at)

    @property
    def is_none(self) -> bool:
        return self.rate is None and self.multiple is None

    def resolve(self, lpr: LprTable, contract_date: date, filing: date) -> Decimal | None:
        """The cap as a rate: fixed, or ``multiple`` × one-year LPR on the contract date or the
        filing day."""
        if self.rate is not None:
            return self.rate
        if self.multiple is None:
            return None
        day = contract_date if self.at is CapDate.CONTRACT_DATE else filing
        return self.multiple * lpr.one_year_at(day)


def _decimal(text: str, field_name: str) -> Decimal:
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise DomainError("law.cap_invalid", field=field_name, value=text) from None
    if not value.is_finite():
        raise DomainError("law.cap_invalid", field=field_name, value=text)
    return value


@dataclass(frozen=True, slots=True)
class LegalRule:
    """One rule of ``legal_rules.toml`` (see that file for the meaning of each field)."""

    id: str
    kind: RuleKind
    code: str  # the finding code it produces
    lender_types: frozenset[LenderType]
    effective_from: date | None  # contract dates, inclusive; None = no lower bound
    effective_to: date | None  # inclusive; None = still in force
    severity: str
    confidence: str
    citation_zh: str
    citation_en: str
    source: str
    explanation_zh: str
    explanation_en: str
    regime: str = ""
    cap: CapSpec | None = None
    covers: Covers = Covers.ALL_IN
    line: Decimal | None = None
    split_on: date | None = None
    then_cap: CapSpec | None = None
    limit_months: int | None = None
    when: str = "always"
    enabled: bool = True
    note: str = ""

    def applies(self, lender_type: LenderType, contract_date: date) -> bool:
        if not self.enabled or lender_type not in self.lender_types:
            return False
        if self.effective_from is not None and contract_date < self.effective_from:
            return False
        return self.effective_to is None or contract_date <= self.effective_to


@dataclass(frozen=True, slots=True)
class LegalRules:
    rules: tuple[LegalRule, ...]
    disclaimer_code: str = "law.disclaimer.not_legal_advice"

    def applicable(self, lender_type: LenderType, contract_date: date) -> tuple[LegalRule, ...]:
        return tuple(r for r in self.rules if r.applies(lender_type, contract_date))


@dataclass(frozen=True, slots=True)
class Regime:
    """The cap rule that governs a loan."""

    id: str
    rule: LegalRule


def select_regime(lender_type: LenderType, contract_date: date, rules: LegalRules) -> Regime:
    """The one enabled ``cap`` rule for this lender type and contract date.

    Raises ``law.no_regime`` when none applies and ``law.ambiguous_regime`` when several do
    (the loader refuses overlapping ranges, so that means hand-built rules are inconsistent).
    """
    found = [r for r in rules.applicable(lender_type, contract_date) if r.kind is RuleKind.CAP]
    if not found:
        raise DomainError(
            "law.no_regime",
            field="contract_date",
            lender_type=lender_type.value,
            contract_date=contract_date.isoformat(),
        )
    if len(found) > 1:
        raise DomainError(
            "law.ambiguous_regime", field="contract_date", rules=",".join(r.id for r in found)
        )
    return Regime(found[0].regime or found[0].id, found[0])
