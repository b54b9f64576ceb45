"""The loan form: what a person types, kept as typed, and turned into the loans service's
``LoanInput`` — the same plain values the API's loan JSON and the CLI's loan file give it.

Parsing here only reads dates, whole numbers and the lines of a typed schedule; every rule about
amounts, rates, fees and schedules is the domain's (``make_loan``, through the service), so the
page refuses exactly what the API refuses, with the same codes.  ``error_key`` says beside which
part of the form a refusal is shown.

>>> form = LoanForm.blank().with_values(lender="张某", lender_type="private",
...     contract_date="2025-08-01", start="2025-08-01", principal="50,000", annual_rate="14.4",
...     months="12")
>>> data = form.to_input()
>>> data.principal, data.months, data.method
('50,000', 12, 'annuity')
>>> error_key("fees[1].amount"), error_key("rows[3].due_date"), error_key("loan_id")
('fee_1', 'rows', 'form')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from xieshang.domain.errors import DomainError
from xieshang.domain.loan import FeeTiming, LenderType, Loan
from xieshang.domain.rates import DayCount
from xieshang.domain.schedule import Method
from xieshang.services.loans import FeeInput, LoanInput, RowInput

SCALARS = (
    "lender",
    "lender_type",
    "contract_date",
    "start",
    "principal",
    "annual_rate",
    "months",
    "method",
    "first_due",
    "day_count",
    "paid_installments",
    "deducted_interest",
    "overdue_rate",
    "default_charge",
    "lender_organisation_id",
)
REQUIRED = ("lender", "lender_type", "contract_date", "start", "principal", "annual_rate")
DEFAULTS = {"method": Method.ANNUITY.value, "day_count": DayCount.THIRTY_360.value}
FEE_PARTS = ("kind", "amount", "timing", "on")
LENDER_TYPES = tuple(t.value for t in LenderType)
METHODS = tuple(m.value for m in Method)
DAY_COUNTS = tuple(d.value for d in DayCount)
TIMINGS = tuple(t.value for t in FeeTiming)
MAX_TEXT = 200  # characters kept of one field (the API's longest, a lender's name)
MAX_ROWS_TEXT = 100_000
MAX_FEES = 50  # as the API
SPARE_FEES = 2  # empty fee lines offered after the filled ones
MAX_ROWS = 600  # typed schedule lines (the longest term the domain computes)
MAX_COUNT = 1200  # months and paid installments, as the API
MAX_ID = 2**31 - 1
# Items of a typed schedule line: tabs, semicolons, a comma followed by a space, or spaces (a
# comma inside a number is a thousands separator: "1,088.00").
_SEPARATORS = re.compile(r"[\t;；]+|[,，]\s+|\s+")
_FEE_INDEX = re.compile(r"fees\[(\d+)\]")


class FormLike(Protocol):
    """A submitted form (Starlette's ``FormData``): one value, or every value of a name."""

    def get(self, key: str, /) -> object: ...

    def getlist(self, key: str) -> list[Any]: ...


def _text(value: object, limit: int = MAX_TEXT) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _day(text: str, field: str) -> date:
    if not text:
        raise DomainError("date.missing", field=field)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError("cli.bad_date", field=field, value=text[:40]) from None


def _count(text: str, field: str, low: int, high: int) -> int:
    if not re.fullmatch(r"\d{1,12}", text):
        raise DomainError("cli.bad_integer", field=field, value=text[:40])
    n = int(text)
    if not low <= n <= high:
        raise DomainError("web.count_out_of_range", field=field, value=n, low=low, high=high)
    return n


def _percent_text(fraction: Decimal | None) -> str:
    """A stored rate as the percent a person types: 0.144 → "14.4"."""
    return "" if fraction is None else format((fraction * 100).normalize(), "f")


def _amount_text(amount: Decimal) -> str:
    return "" if amount == 0 else str(amount)


def error_key(field: str | None) -> str:
    """Where the form shows a refusal about ``field``: a field's name, ``fee_N`` (a fee line),
    ``fees``, ``rows`` (the typed schedule) or ``form`` (above the form)."""
    if not field:
        return "form"
    head = field.split(".")[0].split("[")[0]
    if head == "fees":
        found = _FEE_INDEX.match(field)
        return f"fee_{found.group(1)}" if found else "fees"
    if head in ("rows", "manual_rows"):
        return "rows"
    return head if head in SCALARS else "form"


@dataclass(frozen=True, slots=True)
class LoanForm:
    """The form's fields as typed: ``values`` by name, the filled fee lines, the schedule text."""

    values: Mapping[str, str]
    fees: tuple[Mapping[str, str], ...] = ()
    rows: str = ""

    @classmethod
    def blank(cls) -> LoanForm:
        return cls({name: DEFAULTS.get(name, "") for name in SCALARS})

    def with_values(self, **values: str) -> LoanForm:
        return replace(self, values={**self.values, **values})

    @classmethod
    def submitted(cls, form: FormLike) -> LoanForm:
        """What was posted; empty fee lines are dropped (they are offered again as spares)."""
        values = {name: _text(form.get(name)) for name in SCALARS}
        parts = [[_text(v) for v in form.getlist(f"fee_{p}")[:MAX_FEES]] for p in FEE_PARTS]
        count = max(len(p) for p in parts)
        lines = (
            {p: (parts[k][i] if i < len(parts[k]) else "") for k, p in enumerate(FEE_PARTS)}
            for i in range(count)
        )
        fees = tuple(line for line in lines if line["kind"] or line["amount"] or line["on"])
        return cls(values, fees, _text(form.get("rows"), MAX_ROWS_TEXT))

    @classmethod
    def of_loan(cls, loan: Loan, lender_organisation_id: int | None) -> LoanForm:
        """A stored loan's terms in the form's fields, to be changed."""
        values = {
            "lender": loan.lender,
            "lender_type": loan.lender_type.value,
            "contract_date": loan.contract_date.isoformat(),
            "start": loan.start.isoformat(),
            "principal": str(loan.principal),
            "annual_rate": _percent_text(loan.annual_rate),
            "months": "" if loan.manual_rows else str(loan.months),
            "method": loan.method.value,
            "first_due": loan.first_due.isoformat() if loan.first_due else "",
            "day_count": loan.day_count.value,
            "paid_installments": str(loan.paid_installments),
            "deducted_interest": _amount_text(loan.deducted_interest),
            "overdue_rate": _percent_text(loan.overdue_rate),
            "default_charge": _amount_text(loan.default_charge),
            "lender_organisation_id": str(lender_organisation_id or ""),
        }
        fees = tuple(
            {
                "kind": f.kind,
                "amount": str(f.amount),
                "timing": f.timing.value,
                "on": f.on.isoformat() if f.on else "",
            }
            for f in loan.fees
        )
        rows = "\n".join(
            f"{r.due_date.isoformat()} {r.payment} {r.principal} {r.interest} {r.balance}"
            + (f" {r.fee}" if r.fee else "")
            for r in loan.manual_rows
        )
        return cls(values, fees, rows)

    def fee_lines(self) -> list[Mapping[str, str]]:
        """The fee lines to show: the filled ones, then a few empty ones."""
        spare = min(SPARE_FEES, MAX_FEES - len(self.fees))
        blank = dict.fromkeys(FEE_PARTS, "")
        return [*self.fees, *([blank] * max(spare, 0))]

    def _rows(self) -> tuple[RowInput, ...]:
        lines = [line.strip() for line in self.rows.splitlines() if line.strip()]
        if len(lines) > MAX_ROWS:
            raise DomainError("term.too_long", field="rows", value=len(lines), limit=MAX_ROWS)
        rows = []
        for i, line in enumerate(lines):
            items = [t.strip(",，") for t in _SEPARATORS.split(line) if t.strip(",，")]
            if len(items) == 1 and "," in line:
                items = [t.strip() for t in line.split(",")]
            if len(items) not in (5, 6):
                raise DomainError(
                    "web.loans_row_shape", field=f"rows[{i}]", line=i + 1, count=len(items)
                )
            due, payment, principal, interest, balance, *fee = items
            rows.append(
                RowInput(
                    due_date=_day(due, f"rows[{i}].due_date"),
                    payment=payment,
                    principal=principal,
                    interest=interest,
                    balance=balance,
                    fee=fee[0] if fee else "0",
                )
            )
        return tuple(rows)

    def to_input(self) -> LoanInput:
        """The service's input; ``DomainError`` naming the field for what cannot be read."""
        v = self.values
        for name in REQUIRED:
            if not v.get(name):
                raise DomainError("case.field_required", field=name)
        rows = self._rows()
        months = v.get("months", "")
        if not months and not rows:
            raise DomainError("case.field_required", field="months")
        org = v.get("lender_organisation_id", "")
        paid = v.get("paid_installments", "")
        return LoanInput(
            lender=v["lender"],
            lender_type=v["lender_type"],
            contract_date=_day(v["contract_date"], "contract_date"),
            principal=v["principal"],
            annual_rate=v["annual_rate"],
            start=_day(v["start"], "start"),
            months=_count(months, "months", 1, MAX_COUNT) if months else None,
            method=v.get("method") or None,
            first_due=_day(v["first_due"], "first_due") if v.get("first_due") else None,
            day_count=v.get("day_count") or DayCount.THIRTY_360.value,
            deducted_interest=v.get("deducted_interest") or "0",
            overdue_rate=v.get("overdue_rate") or None,
            default_charge=v.get("default_charge") or "0",
            paid_installments=_count(paid, "paid_installments", 0, MAX_COUNT) if paid else 0,
            fees=tuple(
                FeeInput(
                    amount=f["amount"],
                    timing=f["timing"],
                    kind=f["kind"] or "fee",
                    on=_day(f["on"], f"fees[{i}].on") if f["on"] else None,
                )
                for i, f in enumerate(self.fees)
            ),
            rows=rows,
            lender_organisation_id=_count(org, "lender_organisation_id", 1, MAX_ID)
            if org
            else None,
        )
