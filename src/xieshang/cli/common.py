"""What every command shares: the language, reading input files, JSON and number formatting."""

from __future__ import annotations

import csv
import json
import os
import tomllib
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import typer

from xieshang.domain.errors import DomainError
from xieshang.i18n import normalize_lang
from xieshang.present.numbers import percent, yuan
from xieshang.present.views import jsonable

__all__ = ["percent", "yuan"]  # re-exported for the command modules

LangOption = typer.Option(
    None, "--lang", help="zh (default) or en; also XIESHANG_LANG.", show_default=False
)
JsonOption = typer.Option(False, "--json", help="Print JSON for machines instead of tables.")


def resolve_lang(lang: str | None) -> str:
    if lang is not None and lang.strip().lower().split("-")[0].split("_")[0] not in ("zh", "en"):
        raise DomainError("cli.bad_value", field="lang", option="--lang", detail=lang)
    return normalize_lang(lang or os.environ.get("XIESHANG_LANG"))


def parse_date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise DomainError("cli.bad_date", field=field, value=text) from None


def parse_int(text: str, field: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise DomainError("cli.bad_integer", field=field, value=text) from None


# Far above any consumer loan (一万亿元); beyond it Decimal's 28 digits cannot hold the fen.
MAX_AMOUNT = Decimal("1e12")
# Rates are quoted to a few decimals of a percent; "1e-50" would only break the arithmetic.
MAX_RATE_DECIMALS = 8


def parse_amount(
    text: str, field: str, *, positive: bool = True, allow_negative: bool = False
) -> Decimal:
    """An amount in yuan typed on the command line: ``positive_money`` (or, with
    ``positive=False``, ``money``, negatives only if ``allow_negative``) with a ceiling, so an
    absurd magnitude is refused by name instead of failing inside Decimal."""
    from xieshang.domain.money import money, positive_money

    value: Decimal | None
    try:
        if positive:
            value = positive_money(text, field=field)
        else:
            value = money(text, field=field, allow_negative=allow_negative)
    except InvalidOperation:  # quantize to the fen needs more digits than the context has
        value = None
    if value is None or abs(value) >= MAX_AMOUNT:
        raise DomainError("amount.too_large", field=field, value=text, limit="1,000,000,000,000")
    return value


def parse_percent_rate(text: str, field: str) -> Decimal:
    """An annual rate typed in percent ("9.4822") as a Decimal fraction; at most
    ``MAX_RATE_DECIMALS`` decimals, the rest as ``parse_rate`` decides."""
    from xieshang.domain.rates import parse_rate

    try:
        d = Decimal(text.strip().removesuffix("%").strip())
    except InvalidOperation:
        d = None  # parse_rate names the problem
    if d is not None and d.is_finite() and d != 0:
        exponent = d.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -MAX_RATE_DECIMALS:
            raise DomainError(
                "rate.too_many_decimals", field=field, value=text, places=MAX_RATE_DECIMALS
            )
    return parse_rate(text, field=field, percent=True)


def read_toml_file(path: Path) -> dict[str, Any]:
    raw = _read(path)
    try:
        # TOML floats become exact Decimals: no binary float ever reaches a money path.
        return tomllib.loads(raw, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise DomainError(
            "file.toml_invalid", field="file", path=str(path), detail=str(exc)
        ) from None


def read_csv_file(
    path: Path, *, field: str = "file", columns: tuple[str, ...] = ()
) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row; a header naming at least ``columns`` required.
    Errors name ``field`` (the option that gave the file) and the line."""
    raw = _read(path, field)
    reader = csv.DictReader(raw.splitlines())
    rows = []
    try:
        header = [name.strip() for name in reader.fieldnames or ()]
        if columns and not set(columns) <= set(header):
            raise DomainError(
                "file.csv_header", field=field, path=str(path), columns=",".join(columns)
            )
        for row in reader:
            if None in row or any(v is None for v in row.values()):
                raise DomainError(
                    "file.csv_wrong_columns", field=field, path=str(path), line=reader.line_num
                )
            rows.append((reader.line_num, {k.strip(): v.strip() for k, v in row.items()}))
    except csv.Error as exc:
        raise DomainError(
            "file.csv_invalid", field=field, path=str(path), line=reader.line_num, detail=str(exc)
        ) from None
    return rows


def _read(path: Path, field: str = "file") -> str:
    if not path.is_file():
        raise DomainError("file.not_found", field=field, path=str(path))
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DomainError("file.unreadable", field=field, path=str(path), detail=str(exc)) from None


def print_json(payload: Any) -> None:
    typer.echo(json.dumps(jsonable(payload), ensure_ascii=False, indent=2))
