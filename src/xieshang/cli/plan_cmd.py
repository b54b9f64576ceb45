"""``xieshang check-loan`` and ``xieshang plan``: one loan against the law; the whole picture."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from xieshang.domain.errors import DomainError

from .common import JsonOption, LangOption, parse_date, print_json, read_toml_file, resolve_lang


def check_loan(
    file: Path = typer.Argument(..., help="A loan file (TOML with a [loan] table)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Date of the check (default: today)."),
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """Check one loan against the law: regime, all-in APR, cap, findings, amount above the cap."""
    from xieshang.present.views import check_loan_json
    from xieshang.services.planning import check_loan as check
    from xieshang.services.situation import read_loan

    from .report import print_check_loan

    language = resolve_lang(lang)
    doc = read_toml_file(file)
    day = parse_date(as_of, "as_of") if as_of else _today()
    if "loan" not in doc:
        raise DomainError("document.missing_key", field="loan")
    loan = read_loan(doc["loan"], "loan")
    assessment, standing = check(loan, as_of=day)
    if as_json:
        print_json(check_loan_json(loan, assessment, standing, language))
    else:
        print_check_loan(loan, assessment, standing, language)


def plan(
    file: Path = typer.Argument(
        ..., help="A situation file (TOML): household, incomes, expenses, assets, loans."
    ),
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """The whole picture: capacity, each loan's legality, a request per creditor, the allocation."""
    from xieshang.present.views import plan_json
    from xieshang.services.planning import plan_situation
    from xieshang.services.situation import read_situation

    from .report import print_plan

    language = resolve_lang(lang)
    doc = read_toml_file(file)
    base = file.parent

    def load(name: str) -> dict[str, Any]:
        return read_toml_file(base / name)

    situation = read_situation(doc, load)
    report = plan_situation(situation)
    if as_json:
        print_json(plan_json(report, language))
    else:
        borrower = doc.get("borrower") if isinstance(doc.get("borrower"), str) else None
        print_plan(report, language, borrower)


def _today() -> date:
    # The user's calendar day in China, whatever the machine's zone.
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Shanghai")).date()
