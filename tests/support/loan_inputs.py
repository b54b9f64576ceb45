"""Loan inputs as an API client sends them, from the example loan files."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from xieshang.services.loans import FeeInput, LoanInput, RowInput

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "loans"


def example(name: str) -> dict[str, Any]:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    return tomllib.loads(text, parse_float=Decimal)["loan"]


def loan_input(raw: dict[str, Any], **changes: Any) -> LoanInput:
    """The API's plain values for a ``[loan]`` table (what a client would send)."""
    fields = {k: v for k, v in raw.items() if k not in ("id", "fees", "rows")}
    for key in ("principal", "annual_rate", "deducted_interest", "overdue_rate", "default_charge"):
        if key in fields:
            fields[key] = str(fields[key])
    fees = tuple(
        FeeInput(
            amount=str(f["amount"]), timing=f["timing"], kind=f.get("kind", "fee"), on=f.get("on")
        )
        for f in raw.get("fees", [])
    )
    rows = tuple(
        RowInput(
            due_date=r["due_date"],
            payment=str(r["payment"]),
            principal=str(r["principal"]),
            balance=str(r["balance"]),
            interest=str(r.get("interest", "0")),
            fee=str(r.get("fee", "0")),
        )
        for r in raw.get("rows", [])
    )
    return LoanInput(**{**fields, "fees": fees, "rows": rows, **changes})
