"""Read a borrower's situation and loan contracts from plain documents (parsed TOML tables).

Every key is checked: unknown keys are refused (a typo must not silently drop a fee), missing
required keys are named, and every refusal is a ``DomainError`` whose field is the full path
(``loans[2].annual_rate``) so the faces can say exactly what to fix.  Rates in documents are
percent (``annual_rate = "18.25"`` is 18.25 %/yr), like the CLI's ``--annual-rate``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar, get_args

from xieshang.domain.affordability import (
    Asset,
    AssetKind,
    Expense,
    ExpenseCategory,
    Household,
    Income,
    IncomeKind,
    LivingCostBasis,
    Statement,
    make_statement,
)
from xieshang.domain.errors import DomainError
from xieshang.domain.loan import Fee, FeeTiming, Loan, make_loan
from xieshang.domain.money import ZERO, money
from xieshang.domain.rates import parse_rate
from xieshang.domain.schedule import Installment

LIVING_COST_BASES = get_args(LivingCostBasis)
E = TypeVar("E", bound=Enum)
T = TypeVar("T")
D = TypeVar("D")


@contextmanager
def under(prefix: str) -> Iterator[None]:
    """Re-raise domain errors with their field placed under ``prefix``."""
    try:
        yield
    except DomainError as exc:
        field = (
            f"{prefix}.{exc.field}"
            if exc.field and not exc.field.startswith(prefix)
            else (exc.field or prefix)
        )
        raise DomainError(exc.code, field=field, **dict(exc.params)) from None


class Table:
    """One TOML table read key by key: ``need(key, read)`` for required keys, ``opt(key, read,
    default)`` for optional ones; ``done()`` refuses keys nobody asked for."""

    def __init__(self, raw: object, path: str) -> None:
        if not isinstance(raw, Mapping):
            raise DomainError("document.not_a_table", field=path or "document")
        self.raw: Mapping[str, Any] = raw
        self.path = path
        self.used: set[str] = set()

    def field(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def need(self, key: str, read: Callable[[Any, str], T]) -> T:
        self.used.add(key)
        if key not in self.raw:
            near = difflib.get_close_matches(key, [k for k in self.raw if k not in self.used], 1)
            if near:  # a typo is likelier than a forgotten key
                raise DomainError("document.missing_key_near", field=self.field(key), near=near[0])
            raise DomainError("document.missing_key", field=self.field(key))
        return read(self.raw[key], self.field(key))

    def opt(self, key: str, read: Callable[[Any, str], T], default: D) -> T | D:
        self.used.add(key)
        if key not in self.raw:
            return default
        return read(self.raw[key], self.field(key))

    def tables(self, key: str) -> list[Table]:
        value = self.opt(key, _list, [])
        return [Table(item, f"{self.field(key)}[{i}]") for i, item in enumerate(value)]

    def done(self) -> None:
        unknown = sorted(set(self.raw) - self.used)
        if unknown:
            raise DomainError(
                "document.unknown_key", field=self.field(unknown[0]), value=unknown[0]
            )


# Readers: (raw TOML value, field path) → a checked value, or a DomainError naming the field.


def text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DomainError("document.not_text", field=field, value=str(value))
    return value.strip()


def amount(value: Any, field: str) -> Decimal:
    return money(_plain(value), field=field, allow_negative=False)


def percent(value: Any, field: str) -> Decimal:
    return parse_rate(_plain(value), field=field, percent=True)


def day(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError("cli.bad_date", field=field, value=str(value)) from None


def integer(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise DomainError("cli.bad_integer", field=field, value=str(value))
    try:
        return int(value)
    except ValueError:
        raise DomainError("cli.bad_integer", field=field, value=str(value)) from None


def flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise DomainError("document.not_boolean", field=field, value=str(value))
    return value


def living_cost_basis(value: Any, field: str) -> LivingCostBasis:
    key = text(value, field)
    if key not in LIVING_COST_BASES:
        raise DomainError("capacity.basis_unknown", field=field, value=key)
    return key  # type: ignore[return-value]  # checked against the literal's values above


def texts(value: Any, field: str) -> list[str]:
    items = _list(value, field)
    return [text(item, f"{field}[{i}]") for i, item in enumerate(items)]


def _list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise DomainError("document.not_a_list", field=field)
    return value


def choice(parse: Callable[[str], E]) -> Callable[[Any, str], E]:
    """A reader that parses text with an enum's ``parse`` and names the field on failure."""

    def read(value: Any, field: str) -> E:
        try:
            return parse(text(value, field))
        except DomainError as exc:
            raise DomainError(exc.code, field=field, **dict(exc.params)) from None

    return read


def _plain(value: object) -> object:
    # TOML numbers arrive as int or Decimal (the reader is told parse_float=Decimal).
    return str(value) if isinstance(value, Decimal) else value


def _enum_by_value(enum: type[E], code: str) -> Callable[[str], E]:
    def parse(text: str) -> E:
        key = text.strip().lower().replace("-", "_")
        for member in enum:
            if member.value == key:
                return member
        raise DomainError(code, field="kind", value=text)

    return parse


def read_loan(raw: object, path: str) -> Loan:
    """A ``Loan`` from a ``[loan]`` table (rates in percent); ``[[loan.rows]]`` is a schedule
    typed from the contract, ``[[loan.fees]]`` the fees besides interest."""
    t = Table(raw, path)
    fees = []
    for f in t.tables("fees"):
        fees.append(
            Fee(
                kind=f.opt("kind", text, "fee"),
                amount=f.need("amount", amount),
                timing=f.need("timing", choice(FeeTiming.parse)),
                on=f.opt("on", day, None),
            )
        )
        f.done()
    rows = []
    for i, r in enumerate(t.tables("rows"), start=1):
        rows.append(
            Installment(
                n=r.opt("n", integer, i),
                due_date=r.need("due_date", day),
                payment=r.need("payment", amount),
                principal=r.need("principal", amount),
                interest=r.opt("interest", amount, ZERO),
                balance=r.need("balance", amount),
                fee=r.opt("fee", amount, ZERO),
            )
        )
        r.done()
    loan_fields: dict[str, Any] = {
        "id": t.need("id", text),
        "lender": t.need("lender", text),
        "lender_type": t.need("lender_type", text),
        "contract_date": t.need("contract_date", day),
        "principal": t.need("principal", amount),
        "annual_rate": t.need("annual_rate", percent),
        "months": t.opt("months", integer, len(rows)) if rows else t.need("months", integer),
        "method": t.opt("method", text, "manual" if rows else "annuity"),
        "start": t.need("start", day),
        "first_due": t.opt("first_due", day, None),
        "day_count": t.opt("day_count", text, "30/360"),
        "deducted_interest": t.opt("deducted_interest", amount, ZERO),
        "overdue_rate": t.opt("overdue_rate", percent, None),
        "default_charge": t.opt("default_charge", amount, ZERO),
        "paid_installments": t.opt("paid_installments", integer, 0),
    }
    t.done()
    with under(path):
        return make_loan(fees=fees, manual_rows=rows, **loan_fields)


@dataclass(frozen=True, slots=True)
class Situation:
    """A borrower's statement, loans and plan settings, as read from a document."""

    as_of: date
    statement: Statement
    loans: tuple[Loan, ...]
    strategy: str
    living_cost_basis: LivingCostBasis
    excluded: frozenset[str] = frozenset()


def read_situation(
    raw: Mapping[str, Any], load_loan_file: Callable[[str], Mapping[str, Any]]
) -> Situation:
    """A ``Situation`` from a parsed document; ``load_loan_file(name)`` reads a referenced
    loan file (its ``[loan]`` table is used)."""
    top = Table(raw, "")
    as_of = top.need("as_of", day)
    strategy = top.opt("strategy", text, "pro_rata")
    own: LivingCostBasis = "own"
    basis = top.opt("living_cost_basis", living_cost_basis, own)
    top.opt("borrower", text, "")  # a description for the reader; not used in the numbers
    h = Table(top.need("household", lambda v, _: v), "household")
    household = Household(
        adults=h.need("adults", integer),
        children=h.opt("children", integer, 0),
        other_dependents=h.opt("other_dependents", integer, 0),
        province=h.opt("province", text, None),
        urban=h.opt("urban", flag, None),
    )
    h.done()
    incomes = []
    for t in top.tables("incomes"):
        incomes.append(
            Income(
                t.need("kind", choice(_enum_by_value(IncomeKind, "income.kind_unknown"))),
                t.need("monthly", amount),
                t.opt("regular", flag, True),
            )
        )
        t.done()
    expenses = []
    for t in top.tables("expenses"):
        expenses.append(
            Expense(t.need("category", choice(ExpenseCategory.parse)), t.need("monthly", amount))
        )
        t.done()
    assets = []
    for t in top.tables("assets"):
        assets.append(
            Asset(
                t.need("kind", choice(_enum_by_value(AssetKind, "asset.kind_unknown"))),
                t.need("value", amount),
                t.opt("liquid", flag, False),
            )
        )
        t.done()
    loans = [read_loan(t.raw, f"loans[{i}]") for i, t in enumerate(top.tables("loans"))]
    exclude = top.opt("exclude", texts, [])
    for i, name in enumerate(top.opt("loan_files", texts, [])):
        doc = load_loan_file(name)
        loans.append(read_loan(doc.get("loan"), f"loan_files[{i}]"))
    top.done()
    statement = make_statement(household, incomes, expenses, assets)
    return Situation(as_of, statement, tuple(loans), strategy, basis, frozenset(exclude))
