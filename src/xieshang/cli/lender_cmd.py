"""``xieshang lender settings``: read or replace the caller's organisation's valuation
assumptions, offer limits and reply deadlines (a supervisor replaces them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from .agreement_case_cmd import AsOption, TotpOption
from .case_common import REFUSED, session
from .common import JsonOption, LangOption, print_json, resolve_lang

lender_app = typer.Typer(help="Lender organisations: evaluation settings and policy limits.")

# A supervisor's change refused for another role is a refusal (exit 1), like the case moves.
REFUSED_HERE = REFUSED | {"policy.supervisor_only"}


def _lines(record: dict[str, Any], defaults: bool, language: str) -> list[str]:
    from xieshang.i18n import text

    lines = [text("lender_settings_defaults" if defaults else "lender_settings_stored", language)]
    for section in ("assumptions", "limits", "deadlines"):
        lines.append(f"[{section}]")
        for key, value in record[section].items():
            shown = (
                value
                if not isinstance(value, dict)
                else ", ".join(f"{k} = {v}" for k, v in value.items())
            )
            lines.append(f"  {key} = {shown}")
    return lines


@lender_app.command("settings")
def settings(
    email: str = AsOption,
    totp: str | None = TotpOption,
    set_file: Path | None = typer.Option(
        None,
        "--set",
        help="A TOML or JSON file with [assumptions], [limits], [deadlines] (keys optional; "
        "fractions, not percent) to replace the settings (supervisors).",
    ),
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """Show your organisation's settings, or replace them with --set."""
    from xieshang.domain.errors import DomainError
    from xieshang.i18n import message
    from xieshang.services import lender_settings

    from .case_cmd import read_terms

    language = resolve_lang(lang)
    record = None if set_file is None else read_terms(set_file)
    with session(email, totp, language) as (container, actor):
        try:
            if record is None:
                view = lender_settings.get_settings(container.uow(), actor)
            else:
                view = lender_settings.put_settings(
                    container.uow(), actor, record, now=container.clock()
                )
        except DomainError as exc:
            if exc.code not in REFUSED_HERE:
                raise
            typer.echo(message(exc.code, language, field=exc.field, **dict(exc.params)), err=True)
            raise typer.Exit(1) from None
    if as_json:
        print_json({"defaults": view.defaults, "settings": view.record()})
        return
    for line in _lines(view.record(), view.defaults, language):
        typer.echo(line)
