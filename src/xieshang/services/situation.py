"""Read a borrower's situation and loan contracts from plain documents (parsed TOML tables).

Every key is checked: unknown keys are refused (a typo must not silently drop a fee), missing
required keys are named, and every refusal is a ``DomainError`` whose field is the full path
(``loans[2].annual_rate``) so the faces can say exactly what to fix.  Rates in documents are
percent (``annual_rate = "18.25"`` is 18.25 %/yr), like the CLI's ``--annual-rate``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from xieshang.domain.affordability import (
    Asset,
    AssetKind,
    Expense,
    ExpenseCategory,
    Household,
    Income,
    IncomeKind,
    Statement,
    make_statement,
)
from xieshang.domain.errors import DomainError
from xieshang.domain.loan import Fee, FeeTiming, Loan, make_loan
from xieshang.domain.money import money
from xieshang.domain.rates import parse_rate
from xieshang.domain.schedule import Installment

E = TypeVar("E", bound=Enum)


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
    """One TOML table with typed, path-aware getters; ``done()`` refuses unknown keys."""

    def __init__(self, raw: object, path: str) -> None:
        if not isinstance(raw, Mapping):
            raise DomainError("document.not_a_table", field=path)
        self.raw: Mapping[str, Any] = raw
        self.path = path
        self.used: set[str] = set()

    def _field(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str, required: bool = False) -> Any:
        self.used.add(key)
        if key not in self.raw:
            if required:
                raise DomainError("document.missing_key", field=self._field(key))
            return None
        return self.raw[key]

    def text(self, key: str, required: bool = False, default: str | None = None) -> str | None:
        value = self.get(key, required)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            raise DomainError("document.not_text", field=self._field(key), value=str(value))
        return value.strip()

    def amount(
        self, key: str, required: bool = False, default: str | None = None
    ) -> Decimal | None:
        value = self.get(key, required)
        if value is None:
            return None if default is None else money(default)
        return money(_plain(value), field=self._field(key), allow_negative=False)

    def percent(self, key: str, required: bool = False) -> Decimal | None:
        value = self.get(key, required)
        if value is None:
            return None
        return parse_rate(_plain(value), field=self._field(key), percent=True)

    def day(self, key: str, required: bool = False) -> date | None:
        value = self.get(key, required)
        if value is None:
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise DomainError("cli.bad_date", field=self._field(key), value=str(value)) from None

    def integer(self, key: str, required: bool = False, default: int | None = None) -> int | None:
        value = self.get(key, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise DomainError("cli.bad_integer", field=self._field(key), value=str(value))
        try:
            return int(value)
        except ValueError:
            raise DomainError("cli.bad_integer", field=self._field(key), value=str(value)) from None

    def flag(self, key: str, default: bool | None = None) -> bool | None:
        value = self.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise DomainError("document.not_boolean", field=self._field(key), value=str(value))
        return value

    def choice(self, key: str, parse: Callable[[str], E], required: bool = False) -> E | None:
        value = self.text(key, required)
        if value is None:
            return None
        with under(self.path):
            return parse(value)

    def tables(self, key: str) -> list[Table]:
        value = self.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise DomainError("document.not_a_list", field=self._field(key))
        return [Table(item, f"{self._field(key)}[{i}]") for i, item in enumerate(value)]

    def done(self) -> None:
        unknown = sorted(set(self.raw) - self.used)
        if unknown:
            raise DomainError(
                "document.unknown_key", field=self._field(unknown[0]), value=unknown[0]
            )


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


LOAN_KEYS_HELP = (
    "id, lender, lender_type, contract_date, principal, annual_rate, months, method, start, "
    "first_due, day_count, deducted_interest, overdue_rate, default_charge, paid_installments, "
    "fees, rows"
)


def read_loan(raw: object, path: str) -> Loan:
    """A ``Loan`` from a ``[loan]`` table (rates in percent)."""
    t = Table(raw, path)
    fees = []
    for f in t.tables("fees"):
        timing = f.choice("timing", FeeTiming.parse, required=True)
        kind = f.text("kind", default="fee") or "fee"
        amount = f.amount("amount", required=True)
        on = f.day("on")
        f.done()
        fees.append(Fee(kind, amount or Decimal(0), timing or FeeTiming.AT_DATE, on))
    rows = []
    for i, r in enumerate(t.tables("rows"), start=1):
        rows.append(
            Installment(
                n=r.integer("n", default=i) or i,
                due_date=r.day("due_date", required=True) or date.min,
                payment=r.amount("payment", required=True) or Decimal(0),
                principal=r.amount("principal", required=True) or Decimal(0),
                interest=r.amount("interest", default="0") or Decimal(0),
                balance=r.amount("balance", required=True) or Decimal(0),
                fee=r.amount("fee", default="0") or Decimal(0),
            )
        )
        r.done()
    months = t.integer("months", required=not rows, default=len(rows))
    fields: dict[str, Any] = {
        "id": t.text("id", required=True),
        "lender": t.text("lender", required=True),
        "lender_type": t.text("lender_type", required=True),
        "contract_date": t.day("contract_date", required=True),
        "principal": t.amount("principal", required=True),
        "annual_rate": t.percent("annual_rate", required=True),
        "months": months,
        "method": t.text("method", default="manual" if rows else "annuity"),
        "start": t.day("start", required=True),
        "first_due": t.day("first_due"),
        "day_count": t.text("day_count", default="30/360"),
        "deducted_interest": t.amount("deducted_interest", default="0"),
        "overdue_rate": t.percent("overdue_rate"),
        "default_charge": t.amount("default_charge", default="0"),
        "paid_installments": t.integer("paid_installments", default=0),
    }
    t.done()
    with under(path):
        return make_loan(fees=fees, manual_rows=rows, **fields)


@dataclass(frozen=True, slots=True)
class Situation:
    """A borrower's statement, loans and plan settings, as read from a document."""

    as_of: date
    statement: Statement
    loans: tuple[Loan, ...]
    strategy: str
    living_cost_basis: str
    excluded: frozenset[str] = frozenset()


def read_situation(
    raw: Mapping[str, Any], load_loan_file: Callable[[str], Mapping[str, Any]]
) -> Situation:
    """A ``Situation`` from a parsed document; ``load_loan_file(name)`` reads a referenced
    loan file (its ``[loan]`` table is used)."""
    top = Table(raw, "")
    as_of = top.day("as_of", required=True) or date.min
    strategy = top.text("strategy", default="pro_rata") or "pro_rata"
    basis = top.text("living_cost_basis", default="own") or "own"
    top.get("borrower")  # a free-text description for the reader; not used in the numbers
    h = Table(top.get("household", required=True), "household")
    household = Household(
        adults=h.integer("adults", required=True) or 0,
        children=h.integer("children", default=0) or 0,
        other_dependents=h.integer("other_dependents", default=0) or 0,
        province=h.text("province"),
        urban=h.flag("urban"),
    )
    h.done()
    incomes = []
    for t in top.tables("incomes"):
        kind = t.choice("kind", _enum_by_value(IncomeKind, "income.kind_unknown"), required=True)
        incomes.append(
            Income(
                kind or IncomeKind.OTHER,
                t.amount("monthly", required=True) or Decimal(0),
                bool(t.flag("regular", default=True)),
            )
        )
        t.done()
    expenses = []
    for t in top.tables("expenses"):
        category = t.choice("category", ExpenseCategory.parse, required=True)
        expenses.append(
            Expense(
                category or ExpenseCategory.OTHER, t.amount("monthly", required=True) or Decimal(0)
            )
        )
        t.done()
    assets = []
    for t in top.tables("assets"):
        kind = t.choice("kind", _enum_by_value(AssetKind, "asset.kind_unknown"), required=True)
        assets.append(
            Asset(
                kind or AssetKind.OTHER,
                t.amount("value", required=True) or Decimal(0),
                bool(t.flag("liquid", default=False)),
            )
        )
        t.done()
    loans: list[Loan] = []
    for i, t in enumerate(top.tables("loans")):
        loans.append(read_loan(t.raw, f"loans[{i}]"))
    exclude = top.get("exclude") or []
    if not isinstance(exclude, list) or not all(isinstance(x, str) for x in exclude):
        raise DomainError("document.not_a_list", field="exclude")
    files = top.get("loan_files") or []
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise DomainError("document.not_a_list", field="loan_files")
    for i, name in enumerate(files):
        doc = load_loan_file(name)
        loans.append(read_loan(doc.get("loan"), f"loan_files[{i}]"))
    top.done()
    statement = make_statement(household, incomes, expenses, assets)
    return Situation(as_of, statement, tuple(loans), strategy, basis, frozenset(exclude))
