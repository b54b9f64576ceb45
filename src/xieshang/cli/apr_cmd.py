"""``xieshang apr``: the true annualised rate (IRR) on the money actually received."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer

from xieshang.domain.errors import DomainError

from .common import (
    JsonOption,
    LangOption,
    parse_amount,
    parse_date,
    parse_int,
    percent,
    print_json,
    read_csv_file,
    resolve_lang,
    yuan,
)


def apr(
    principal: str | None = typer.Option(None, "--principal", help="Contract principal in yuan."),
    upfront_fee: str = typer.Option(
        "0", "--upfront-fee", help="Fees or interest deducted or paid at the start (砍头息)."
    ),
    payment: str | None = typer.Option(None, "--payment", help="The level monthly payment."),
    months: str | None = typer.Option(None, "--months", help="Number of monthly payments."),
    flows: Path | None = typer.Option(
        None, "--flows", help="CSV of dated flows: date,amount (received positive, paid negative)."
    ),
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """Compute the annualised rate (年化利率, IRR method) of a loan's cash flows."""
    from xieshang.domain.amortization_options import MAX_MONTHS
    from xieshang.services.calculations import compute_apr_dated, compute_apr_regular

    language = resolve_lang(lang)
    received = None
    if flows is not None:
        result = compute_apr_dated(_read_flows(flows))
    elif principal is not None and payment is not None and months is not None:
        p = parse_amount(principal, "principal")
        fee = parse_amount(upfront_fee, "upfront_fee", positive=False)
        level = parse_amount(payment, "payment")
        n = parse_int(months, "months")
        if n > MAX_MONTHS:  # the same ceiling as schedules; a huge term would only eat memory
            raise DomainError("term.too_long", field="months", value=n, limit=MAX_MONTHS)
        received = p - fee
        result = compute_apr_regular(p, fee, level, n)
    else:
        raise DomainError("cli.apr_needs_inputs", field="flows")
    payload: dict[str, Any] = {
        "periodic_irr": result.periodic_irr,
        "periods_per_year": result.periods_per_year,
        "apr_simple": result.apr_simple,
        "apr_compound": result.apr_compound,
        "sign_changes": result.sign_changes,
        "warnings": list(result.warnings),
    }
    if received is not None:
        payload["received"] = received
    if as_json:
        print_json(payload)
        return
    from rich.console import Console
    from rich.table import Table

    from xieshang.i18n import message, text

    table = Table(show_header=False)
    table.add_column()
    table.add_column(justify="right")
    if received is not None:
        table.add_row(text("received", language), yuan(received))
    table.add_row(text("periodic_irr", language), percent(result.periodic_irr, 4))
    table.add_row(text("apr_simple", language), percent(result.apr_simple, 2))
    table.add_row(text("apr_compound", language), percent(result.apr_compound, 2))
    Console().print(table)
    for w in result.warnings:
        typer.echo(message(w, language), err=True)


def _read_flows(path: Path) -> list[tuple[date, Decimal]]:
    """The dated flows of a ``date,amount`` CSV; a bad cell is named by its flow number
    (``flows[0]`` is the first data row, shown to the user as 第1项 / #1)."""
    rows = read_csv_file(path, field="flows", columns=("date", "amount"))
    return [
        (
            parse_date(row["date"], f"flows[{i}].date"),
            parse_amount(row["amount"], f"flows[{i}].amount", positive=False, allow_negative=True),
        )
        for i, (_line, row) in enumerate(rows)
    ]
