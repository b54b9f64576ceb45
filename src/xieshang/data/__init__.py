"""Shipped, dated, sourced data (LPR, legal caps, living costs, holidays) and its loaders.

Files sit beside this module; loaders read them with ``importlib.resources``, validate every
row and return domain values.  The domain never reads files: it receives these values.
"""

from __future__ import annotations

import csv
import io
import tomllib
from importlib import resources
from typing import Any


class DataFileError(ValueError):
    """A shipped data file is malformed: names the file, line and problem."""

    def __init__(self, filename: str, line: int | None, problem: str) -> None:
        self.filename, self.line, self.problem = filename, line, problem
        where = f"{filename}:{line}" if line is not None else filename
        super().__init__(f"{where}: {problem}")


def read_text(filename: str) -> str:
    return resources.files(__package__).joinpath(filename).read_text(encoding="utf-8")


def read_csv_rows(filename: str) -> list[tuple[int, dict[str, str]]]:
    """Rows of a shipped CSV as (line number, dict); lines starting with ``#`` are comments."""
    text = read_text(filename)
    lines = [(i, line) for i, line in enumerate(text.splitlines(), start=1)]
    body = [(i, line) for i, line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not body:
        raise DataFileError(filename, None, "no rows")
    reader = csv.DictReader(io.StringIO("\n".join(line for _, line in body)))
    out = []
    for (lineno, _), row in zip(body[1:], reader, strict=True):
        out.append((lineno, {k.strip(): (v or "").strip() for k, v in row.items()}))
    return out


def read_toml(filename: str) -> dict[str, Any]:
    try:
        return tomllib.loads(read_text(filename))
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(filename, None, str(exc)) from None
