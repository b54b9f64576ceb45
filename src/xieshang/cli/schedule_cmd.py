"""``xieshang schedule``: a repayment schedule by method, exact to the fen."""

from __future__ import annotations

from typing import Any

import typer

from .common import (
    JsonOption,
    LangOption,
    parse_amount,
    parse_date,
    parse_int,
    parse_percent_rate,
    print_json,
    resolve_lang,
    yuan,
)


def schedule(
    principal: str = typer.Option(..., "--principal", help="Loan principal in yuan, e.g. 10000."),
    annual_rate: str = typer.Option(
        ..., "--annual-rate", help="Nominal annual rate in percent, e.g. 9.4822."
    ),
    months: str = typer.Option(..., "--months", help="Number of monthly installments (1–600)."),
    method: str = typer.Option(
        "annuity",
        "--method",
        help=(
            "annuity (等额本息) | equal-principal (等额本金) | "
            "interest-only (先息后本) | bullet (到期一次还本付息)."
        ),
    ),
    start: str = typer.Option(..., "--start", help="Value date (起息日), YYYY-MM-DD."),
    day_count: str = typer.Option("30/360", "--day-count", help="30/360 | act/360 | act/365."),
    first_due: str | None = typer.Option(
        None, "--first-due", help="First due date if not one month after start (broken period)."
    ),
    round_to: str | None = typer.Option(
        None, "--round-to", help="Round the installment up to a multiple, e.g. 1 for whole yuan."
    ),
    business_day: str = typer.Option(
        "none",
        "--business-day",
        help=(
            "Move due dates off weekends and public holidays (Chinese calendar, 调休 included): "
            "none | following | modified-following | preceding | modified-preceding."
        ),
    ),
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """Compute a repayment schedule (还款计划)."""
    from xieshang.domain.rates import DayCount
    from xieshang.domain.schedule import Method
    from xieshang.services.calculations import compute_schedule

    language = resolve_lang(lang)
    result = compute_schedule(
        principal=parse_amount(principal, "principal"),
        annual_rate=parse_percent_rate(annual_rate, "annual_rate"),
        months=parse_int(months, "months"),
        method=Method.parse(method),
        start=parse_date(start, "start"),
        day_count=DayCount.parse(day_count),
        first_due=parse_date(first_due, "first_due") if first_due is not None else None,
        round_to=parse_amount(round_to, "round_to") if round_to is not None else None,
        business_day_rule=business_day.strip().lower(),
    )
    if as_json:
        print_json(schedule_json(result))
        return
    _print_table(result, language)


def schedule_json(s: Any) -> dict[str, Any]:
    return {
        "principal": s.principal,
        "annual_rate": s.annual_rate,
        "method": s.method,
        "start": s.start,
        "months": s.months,
        "rows": [
            {
                "n": r.n,
                "due_date": r.due_date,
                "payment": r.payment,
                "principal": r.principal,
                "interest": r.interest,
                "fee": r.fee,
                "balance": r.balance,
            }
            for r in s.rows
        ],
        "totals": {
            "payment": s.total_payment,
            "principal": s.total_principal,
            "interest": s.total_interest,
            "fee": s.total_fees,
        },
        "notes": list(s.notes),
    }


def _print_table(s: Any, lang: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from xieshang.i18n import message, text

    table = Table(title=f"{text('schedule_title', lang)} (¥)")
    table.add_column(text("n", lang), justify="right")
    table.add_column(text("due_date", lang))
    for key in ("payment", "principal", "interest", "fee", "balance"):
        table.add_column(text(key, lang), justify="right")
    for r in s.rows:
        table.add_row(
            str(r.n),
            r.due_date.isoformat(),
            yuan(r.payment),
            yuan(r.principal),
            yuan(r.interest),
            yuan(r.fee),
            yuan(r.balance),
        )
    table.add_section()
    table.add_row(
        text("total", lang),
        "",
        yuan(s.total_payment),
        yuan(s.total_principal),
        yuan(s.total_interest),
        yuan(s.total_fees),
        "",
    )
    Console().print(table)
    for note in s.notes:
        typer.echo(message(note, lang))
