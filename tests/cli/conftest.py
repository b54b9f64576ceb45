"""Shared setup of the CLI tests: a fixed default language, ``--json`` output parsed with money
and rates as decimal strings, the one-translated-line check for bad input, and the installed
console script run in a clean environment."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from xieshang.cli.main import run

CONSOLE_SCRIPT = Path(sys.executable).parent / "xieshang"
# The variables that would change what a command prints: its language and tracebacks.
LANGUAGE_VARIABLES = ("XIESHANG_LANG", "XIESHANG_DEBUG")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _default_language(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LANGUAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cli_json(capsys: pytest.CaptureFixture[str]) -> Callable[..., dict[str, Any]]:
    """Run a command with ``--json``: it must exit 0 with nothing on stderr, and no JSON
    number may have a fraction (money and rates are decimal strings, never binary floats)."""

    def run_json(*args: str) -> dict[str, Any]:
        code = run([*args, "--json"])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert err == ""
        floats: list[str] = []

        def record(text: str) -> Decimal:
            floats.append(text)
            return Decimal(text)

        data: dict[str, Any] = json.loads(out, parse_float=record)
        assert floats == [], f"JSON numbers with a fraction (must be decimal strings): {floats}"
        return data

    return run_json


@pytest.fixture
def assert_one_line() -> Callable[[str, str, str], None]:
    """Check an error output: one line, no traceback, naming ``word``, in Chinese exactly
    when ``lang`` is zh."""

    def check(err: str, word: str, lang: str) -> None:
        assert "Traceback" not in err
        lines = err.splitlines()
        assert len(lines) == 1, err
        assert word in lines[0], (lang, lines[0])
        assert bool(CHINESE.search(lines[0])) == (lang == "zh"), lines[0]

    return check


@pytest.fixture
def console() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed ``xieshang`` console script without the language variables."""
    env = {k: v for k, v in os.environ.items() if k not in LANGUAGE_VARIABLES}

    def run_script(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CONSOLE_SCRIPT), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )

    return run_script
