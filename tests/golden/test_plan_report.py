"""Golden files for the example borrower's reports (zh and en).

A change to any number, rule or wording shows up here as a diff.  After a deliberate change,
regenerate with ``XIESHANG_UPDATE_GOLDEN=1 bash scripts/test tests/golden`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from xieshang.cli.main import run

ROOT = Path(__file__).resolve().parents[2]
FILES = Path(__file__).parent / "files"
UPDATE = os.environ.get("XIESHANG_UPDATE_GOLDEN") == "1"

CASES = {
    "plan_zh.txt": ["plan", str(ROOT / "examples/situation.toml"), "--lang", "zh"],
    "plan_en.txt": ["plan", str(ROOT / "examples/situation.toml"), "--lang", "en"],
    "plan_en.json": ["plan", str(ROOT / "examples/situation.toml"), "--lang", "en", "--json"],
    "check_private_zh.txt": [
        "check-loan",
        str(ROOT / "examples/loans/private-loan.toml"),
        "--as-of",
        "2026-11-29",
    ],
    "check_private_en.json": [
        "check-loan",
        str(ROOT / "examples/loans/private-loan.toml"),
        "--as-of",
        "2026-11-29",
        "--lang",
        "en",
        "--json",
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_example_reports_match_their_golden_files(name, capsys):
    assert run(CASES[name]) == 0
    out = capsys.readouterr().out
    golden = FILES / name
    if UPDATE:
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


def test_the_plan_json_carries_money_as_decimal_strings_only(capsys):
    assert run(CASES["plan_en.json"]) == 0
    data = json.loads(capsys.readouterr().out)

    def walk(value):
        assert not isinstance(value, float)
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(data)
    assert data["capacity"]["repayment_capacity"] == "3230.00"
