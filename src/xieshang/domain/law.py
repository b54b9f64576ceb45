"""How much of what a loan charges lies above its legal interest cap, and what the rules say.

The rules are values of ``law_rules`` (loaded from ``data/legal_rules.toml``); this module is
the engine that applies them to one loan:

* ``simulate_cap`` — the money test: the borrower's payments against the charges the cap allows
  on the money actually received;
* ``assess_loan`` — the whole assessment with findings rendered from the rules' templates.

The rule values are re-exported here, so ``from xieshang.domain.law import LprTable`` keeps
working.  Nothing here is legal advice; every assessment carries the rules' disclaimer code.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from types import MappingProxyType

from .apr import AprResult, apr_of_dated_flows, apr_of_schedule
from .law_rules import (
    CONFIDENCE_MARKS,
    NOTE_WHEN,
    PLACEHOLDERS,
    SEVERITIES,
    CapDate,
    CapSpec,
    Covers,
    LegalRule,
    LegalRules,
    LprFixing,
    LprTable,
    Regime,
    RuleKind,
    select_regime,
)
from .loan import FeeTiming, Loan
from .money import ZERO, round_money, total

__all__ = [
    "APR_TOLERANCE",
    "CONFIDENCE_MARKS",
    "DAYS_PER_YEAR",
    "HUNDRED",
    "NOTE_WHEN",
    "PCT",
    "PLACEHOLDERS",
    "SEVERITIES",
    "CapDate",
    "CapLine",
    "CapSpec",
    "CapTest",
    "Covers",
    "Finding",
    "LegalAssessment",
    "LegalRule",
    "LegalRules",
    "LprFixing",
    "LprTable",
    "Regime",
    "RuleKind",
    "allowed_interest",
    "assess_loan",
    "pct",
    "select_regime",
    "simulate_cap",
    "whole_months",
]

DAYS_PER_YEAR = 365  # irregular periods accrue the cap by actual days / 365 (annual rate ÷ 365)
HUNDRED = Decimal(100)
PCT = Decimal("0.01")


# ---------------------------------------------------------------------------- the money test


@dataclass(frozen=True, slots=True)
class CapLine:
    """The cap over time: ``before`` for interest of days before ``split_on`` and ``after``
    from it (the 2020-08-20 transition); without a split, ``before`` throughout."""

    before: Decimal
    after: Decimal | None = None
    split_on: date | None = None

    def on(self, day: date) -> Decimal:
        if self.split_on is not None and self.after is not None and day >= self.split_on:
            return self.after
        return self.before


@dataclass(frozen=True, slots=True)
class CapTest:
    """Charges against the cap: ``charges_total`` = everything paid − money received;
    ``amount_above_cap`` = payments left after the received principal and the allowed
    charges are paid; ``charges_allowed`` = ``charges_total − amount_above_cap``."""

    charges_total: Decimal
    charges_allowed: Decimal
    amount_above_cap: Decimal
    principal_left: Decimal  # received principal not yet repaid at the cap (0 if above it)


def _is_month_end(d: date) -> bool:
    return d.day == calendar.monthrange(d.year, d.month)[1]


def whole_months(a: date, b: date) -> int | None:
    """Calendar months from ``a`` to ``b`` when ``b`` is a month-date of ``a`` (month-end
    rule: Jan 31 → Feb 29 and Feb 29 → Mar 31 are whole months), else None.

    >>> jan31, feb29 = date(2024, 1, 31), date(2024, 2, 29)
    >>> whole_months(jan31, feb29), whole_months(feb29, date(2024, 3, 31))
    (1, 1)
    >>> whole_months(date(2024, 1, 5), date(2024, 2, 6)) is None
    True
    """
    k = (b.year - a.year) * 12 + b.month - a.month
    if k <= 0:
        return None
    same_day = b.day == a.day
    clamped = (b.day < a.day and _is_month_end(b)) or (a.day < b.day and _is_month_end(a))
    return k if same_day or clamped else None


def allowed_interest(balance: Decimal, a: date, b: date, cap: CapLine) -> Decimal:
    """Charges the cap allows on ``balance`` from ``a`` to ``b``, rounded half-up to the fen:
    ``cap / 12`` per whole calendar month (as contracts count 月利率 = 年利率 ÷ 12), otherwise
    ``cap × days / 365``; a period across the split day is counted by days on each side.

    >>> ten_k, jan1 = Decimal("10000"), date(2024, 1, 1)
    >>> allowed_interest(ten_k, jan1, date(2024, 2, 1), CapLine(Decimal("0.24")))
    Decimal('200.00')
    >>> allowed_interest(ten_k, jan1, date(2024, 1, 15), CapLine(Decimal("0.365")))
    Decimal('140.00')
    """
    if b <= a or balance <= 0:
        return ZERO
    with localcontext() as ctx:
        ctx.prec = 40
        split = cap.split_on
        if split is None or cap.after is None or b <= split or a >= split:
            months = whole_months(a, b)
            rate = cap.on(a)
            if months is not None:
                return round_money(balance * rate * months / 12)
            return round_money(balance * rate * (b - a).days / DAYS_PER_YEAR)
        days_before, days_after = (split - a).days, (b - split).days
        exact = balance * (cap.before * days_before + cap.after * days_after) / DAYS_PER_YEAR
        return round_money(exact)


def simulate_cap(
    received: Decimal, start: date, payments: Sequence[tuple[date, Decimal]], cap: CapLine
) -> CapTest:
    """Replay the borrower's payments on the money received, as a court offsets them (fees
    and interest first, then principal; Civil Code Art. 561): charges accrue at the cap on the
    outstanding received principal, each payment first pays the accrued allowed charges, then
    the principal; whatever is left once principal is repaid lies above the cap.

    The cap is a simple annual rate: allowed charges carry forward unpaid but never compound.

    >>> pays = [(date(2024, 2, 1), Decimal("5300")), (date(2024, 3, 1), Decimal("5300"))]
    >>> t = simulate_cap(Decimal("10000"), date(2024, 1, 1), pays, CapLine(Decimal("0.24")))
    >>> t.charges_total, t.charges_allowed, t.amount_above_cap
    (Decimal('600.00'), Decimal('298.00'), Decimal('302.00'))
    """
    outstanding, accrued, above = received, ZERO, ZERO
    previous = start
    for day, amount in sorted(payments, key=lambda p: p[0]):
        accrued += allowed_interest(outstanding, previous, day, cap)
        previous = max(previous, day)
        to_charges = min(amount, accrued)
        accrued -= to_charges
        to_principal = min(amount - to_charges, outstanding)
        outstanding -= to_principal
        above += amount - to_charges - to_principal
    charges = total(a for _, a in payments) - received
    return CapTest(charges, charges - above, round_money(above), round_money(outstanding))


# ---------------------------------------------------------------------------- the assessment


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: str  # "info" | "warning" | "violation"
    params: Mapping[str, str]
    citation: str
    explanation_zh: str
    explanation_en: str
    rule_id: str = ""
    confidence: str = ""


@dataclass(frozen=True, slots=True)
class LegalAssessment:
    """What the rules say about one loan.  ``cap`` is the line for the first period (for the
    2020-08-20 transition, ``cap_after`` applies to interest from ``split_on``)."""

    regime_id: str
    cap: Decimal | None
    cap_basis: str
    apr: AprResult
    findings: tuple[Finding, ...]
    charges_total: Decimal
    charges_allowed: Decimal
    amount_above_cap: Decimal
    disclaimer: str
    covers: str = Covers.ALL_IN.value
    cap_after: Decimal | None = None
    split_on: date | None = None
    confidence: str = ""
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def cap_on(self, day: date) -> Decimal | None:
        """The cap for charges accruing on ``day`` (use it for overdue charges)."""
        if self.split_on is not None and self.cap_after is not None and day >= self.split_on:
            return self.cap_after
        return self.cap

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)


def pct(rate: Decimal | None) -> str:
    """A fraction as a percent string with two decimals: ``pct(Decimal("0.154")) == "15.40"``."""
    return "—" if rate is None else str(round_money(rate * HUNDRED))


def _all_in_apr(
    loan: Loan, payments: Sequence[tuple[date, Decimal]], received: Decimal
) -> AprResult:
    if any(f.timing in (FeeTiming.AT_DATE, FeeTiming.PAID_UPFRONT) for f in loan.fees):
        return apr_of_dated_flows([(loan.start, received), *((d, -a) for d, a in payments)])
    return apr_of_schedule(
        loan.schedule(),
        upfront_fees=loan.fees_of(FeeTiming.DEDUCTED_UPFRONT),
        deducted_interest=loan.deducted_interest,
    )


def assess_loan(
    loan: Loan,
    rules: LegalRules,
    lpr: LprTable,
    *,
    as_of: date,
    filed_on: date | None = None,
) -> LegalAssessment:
    """Regime, cap, all-in APR on the money received, the amount above the cap and findings.

    A cap fixed "at filing" uses the LPR of ``filed_on``; before any suit, ``as_of`` (today)
    and a ``filing_date_unknown`` note says so.  The APR compared with lines is ``apr_simple``
    (periodic IRR × periods per year), the form of an annual nominal rate like the caps.
    """
    regime = select_regime(loan.lender_type, loan.contract_date, rules)
    rule = regime.rule
    schedule = loan.schedule()
    filing = filed_on or as_of
    payments = [(r.due_date, r.payment) for r in schedule.rows] + list(loan.dated_charges())
    received = loan.received
    apr = _all_in_apr(loan, payments, received)

    # The rate agreed, all in: with a cap that changes over time (the 2020-08-20 split), the
    # part under a higher line must not lend room to the part under a lower one.
    agreed = max(loan.annual_rate, apr.apr_simple)
    cap_spec = rule.cap or CapSpec("none")
    cap = cap_spec.resolve(lpr, loan.contract_date, filing)
    cap_after = rule.then_cap.resolve(lpr, loan.contract_date, filing) if rule.then_cap else None
    uses_filing = cap_spec.at is CapDate.FILING or (rule.then_cap is not None)
    basis_day = "filing" if filed_on else "as_of"

    if rule.covers is Covers.INTEREST:  # fees are outside such a cap
        tested_received = loan.principal - loan.deducted_interest
        tested = [(r.due_date, r.payment - r.fee) for r in schedule.rows]
    else:
        tested_received, tested = received, payments
    if cap is None:
        charges = total(a for _, a in tested) - tested_received
        test = CapTest(charges, charges, ZERO, ZERO)
        basis = "none"
    else:
        line = CapLine(cap)
        if cap_after is not None:  # the transition: never allow more than was agreed
            line = CapLine(min(cap, agreed), min(cap_after, agreed), rule.split_on)
        test = simulate_cap(tested_received, loan.start, tested, line)
        basis = (
            cap_spec.text if cap_spec.rate is not None else f"{cap_spec.text}@{cap_spec.at.value}"
        )
        if rule.then_cap is not None:
            basis += f"|{rule.then_cap.text}@{basis_day}"
        if cap_spec.at is CapDate.FILING:
            basis = f"{cap_spec.text}@{basis_day}"

    applicable = rules.applicable(loan.lender_type, loan.contract_date)
    void_above: dict[str, Decimal] = {}
    for r in applicable:
        if r.kind is RuleKind.VOID_LINE and r.line is not None:
            # only days before the split: after it the void line no longer applies
            split = rule.split_on if cap_after is not None else None
            void = CapLine(min(r.line, agreed), agreed if split else None, split)
            void_above[r.id] = simulate_cap(
                tested_received, loan.start, tested, void
            ).amount_above_cap

    lpr_day = loan.contract_date if cap_spec.at is CapDate.CONTRACT_DATE else filing
    lpr_used = lpr.fixing_at(lpr_day) if lpr_day >= lpr.fixings[0].effective_date else None
    context: dict[str, str] = {
        "lender": loan.lender,
        "lender_type": loan.lender_type.value,
        "contract_date": loan.contract_date.isoformat(),
        "as_of": as_of.isoformat(),
        "filing_day": filing.isoformat(),
        "regime": regime.id,
        "cap_pct": pct(cap),
        "cap_after_pct": pct(cap_after),
        "split_on": rule.split_on.isoformat() if rule.split_on else "—",
        "lpr_pct": pct(lpr_used.one_year) if lpr_used else "—",
        "lpr_date": lpr_used.effective_date.isoformat() if lpr_used else "—",
        "filing_lpr_pct": pct(lpr.one_year_at(filing)),
        "apr_pct": pct(apr.apr_simple),
        "apr_compound_pct": pct(apr.apr_compound),
        "nominal_pct": pct(loan.annual_rate),
        "principal": str(loan.principal),
        "received": str(received),
        "deducted_interest": str(loan.deducted_interest),
        "deducted_fees": str(loan.fees_of(FeeTiming.DEDUCTED_UPFRONT)),
        "charges_total": str(test.charges_total),
        "charges_allowed": str(test.charges_allowed),
        "amount": str(test.amount_above_cap),
        "months": str(loan.months),
        "overdue_pct": pct(loan.overdue_rate),
    }
    state = _State(loan, apr, test.amount_above_cap, void_above, filed_on is None and uses_filing)
    findings: list[Finding] = []
    for r in applicable:
        params = _fires(r, rule, state, cap)
        if params is not None:
            findings.append(_render(r, {**context, **params}))
    return LegalAssessment(
        regime_id=regime.id,
        cap=cap,
        cap_basis=basis,
        apr=apr,
        findings=tuple(findings),
        charges_total=test.charges_total,
        charges_allowed=test.charges_allowed,
        amount_above_cap=test.amount_above_cap,
        disclaimer=rules.disclaimer_code,
        covers=rule.covers.value,
        cap_after=cap_after,
        split_on=rule.split_on if cap_after is not None else None,
        confidence=rule.confidence,
        params=MappingProxyType(context),
    )


@dataclass(frozen=True, slots=True)
class _State:
    loan: Loan
    apr: AprResult
    above: Decimal
    void_above: Mapping[str, Decimal]
    filing_unknown: bool


def _fires(
    r: LegalRule, regime: LegalRule, s: _State, cap: Decimal | None
) -> dict[str, str] | None:
    """Extra params if rule ``r`` produces a finding for this loan, else None."""
    apr = s.apr.apr_simple
    if r.kind is RuleKind.CAP:
        if r is not regime:
            return None
        over = s.above > 0 or (cap is not None and apr > cap + APR_TOLERANCE)
        return {} if over else None
    if r.kind is RuleKind.VOID_LINE:
        amount = s.void_above.get(r.id, ZERO)
        return {"line_pct": pct(r.line), "void_amount": str(amount)} if amount > 0 else None
    if r.kind is RuleKind.ADVISORY_LINE:
        return {"line_pct": pct(r.line)} if r.line is not None and apr > r.line else None
    if r.kind is RuleKind.TERM_LIMIT:
        ok = r.limit_months is None or s.loan.months <= r.limit_months
        return None if ok else {"limit_months": str(r.limit_months)}
    if r.kind is RuleKind.OVERDUE_MARKUP:
        rate, line = s.loan.overdue_rate, r.line
        if rate is None or line is None or rate <= s.loan.annual_rate * (1 + line):
            return None
        return {"line_pct": pct(line), "limit_pct": pct(s.loan.annual_rate * (1 + line))}
    if r.kind is RuleKind.UPFRONT_DEDUCTION:
        deducted = s.loan.principal - s.loan.received
        return {"deducted": str(deducted)} if deducted > 0 else None
    if r.kind is RuleKind.DISCLOSURE_GAP:
        gap = abs(apr - s.loan.annual_rate)
        return (
            {"gap_pct": pct(gap), "line_pct": pct(r.line)}
            if r.line is not None and gap > r.line
            else None
        )
    when = {"always": True, "above_cap": s.above > 0, "filing_date_unknown": s.filing_unknown}
    return {} if when.get(r.when, False) else None


APR_TOLERANCE = Decimal("0.0001")  # 0.01 percentage point: rounding of fen payments moves the IRR


def _render(r: LegalRule, params: dict[str, str]) -> Finding:
    return Finding(
        code=r.code,
        severity=r.severity,
        params=MappingProxyType(dict(params)),
        citation=r.citation_zh,
        explanation_zh=r.explanation_zh.format_map(_Defaults(params)),
        explanation_en=r.explanation_en.format_map(_Defaults(params)),
        rule_id=r.id,
        confidence=r.confidence,
    )


class _Defaults(dict[str, str]):
    """Template values; a placeholder a finding has no value for renders as "—"."""

    def __missing__(self, key: str) -> str:
        return "—"
