"""``xieshang apr``: the true annualised rate (IRR) on the money actually received."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from xieshang.domain.errors import DomainError

from .common import (
    JsonOption,
    LangOption,
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
    from xieshang.domain.money import money, positive_money
    from xieshang.services.calculations import compute_apr_dated, compute_apr_regular

    language = resolve_lang(lang)
    received = None
    if flows is not None:
        dated = []
        for line, row in read_csv_file(flows):
            if "date" not in row or "amount" not in row:
                raise DomainError(
                    "file.csv_invalid",
                    field="flows",
                    path=str(flows),
                    line=line,
                    detail="columns: date,amount",
                )
            dated.append(
                (
                    parse_date(row["date"], f"flows[{line}].date"),
                    money(row["amount"], field=f"flows[{line}].amount"),
                )
            )
        result = compute_apr_dated(dated)
    elif principal is not None and payment is not None and months is not None:
        p = positive_money(principal, field="principal")
        fee = money(upfront_fee, field="upfront_fee", allow_negative=False)
        n = parse_int(months, "months")
        received = p - fee
        result = compute_apr_regular(p, fee, positive_money(payment, field="payment"), n)
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
