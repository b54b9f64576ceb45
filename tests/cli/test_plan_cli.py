"""``xieshang check-loan`` and ``xieshang plan``: bad files get one translated line and exit 2."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from xieshang.cli.main import run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def write(tmp_path: Path, text: str, name: str = "loan.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD_LOAN = """
[loan]
id = "x"
lender = "L"
lender_type = "bank"
contract_date = 2025-01-01
start = 2025-01-01
principal = "10000"
annual_rate = "12"
months = 12
method = "annuity"
"""


@pytest.mark.parametrize(
    ("text", "zh", "en"),
    [
        ("[loan\nid=", "TOML 格式错误", "malformed TOML"),
        (GOOD_LOAN.replace('"10000"', '"-5"'), "本金", "principal"),
        (GOOD_LOAN.replace('"12"', '"abc"'), "年利率", "annual rate"),
        (GOOD_LOAN.replace("months = 12", "months = 0"), "期数", "months"),
        (GOOD_LOAN.replace('"annuity"', '"balloon"'), "还款方式", "repayment method"),
        (GOOD_LOAN.replace('lender = "L"', 'lender = "L"\nintrest = "1"'), "intrest", "intrest"),
        (GOOD_LOAN.replace('id = "x"\n', ""), "缺少必填项", "required key"),
        ("title = 'no loan table'", "缺少必填项", "required key"),
    ],
)
def test_a_bad_loan_file_gives_one_line_naming_the_problem_and_exit_code_2(
    tmp_path, capsys, text, zh, en
):
    path = write(tmp_path, text)
    for lang, expected in (("zh", zh), ("en", en)):
        code = run(["check-loan", str(path), "--as-of", "2026-01-01", "--lang", lang])
        err = capsys.readouterr().err
        assert code == 2
        assert len(err.strip().splitlines()) == 1
        assert expected in err
        assert "Traceback" not in err


def test_a_missing_loan_file_is_named(capsys):
    assert run(["check-loan", "no-such-file.toml", "--lang", "en"]) == 2
    assert "no-such-file.toml" in capsys.readouterr().err


def test_toml_floats_are_read_as_exact_decimals(tmp_path, capsys):
    path = write(tmp_path, GOOD_LOAN.replace('annual_rate = "12"', "annual_rate = 12.5"))
    assert run(["check-loan", str(path), "--as-of", "2025-06-01", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["nominal_rate"] == "0.125"


def test_a_situation_whose_loan_file_is_broken_names_the_file_entry(tmp_path, capsys):
    shutil.copytree(EXAMPLES, tmp_path / "ex")
    loan = tmp_path / "ex" / "loans" / "bank-loan.toml"
    loan.write_text(loan.read_text(encoding="utf-8").replace('"80000"', '"lots"'), encoding="utf-8")
    assert run(["plan", str(tmp_path / "ex" / "situation.toml"), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "principal" in err
    assert "lots" in err


def test_the_plan_runs_as_a_real_command(tmp_path):
    exe = Path(sys.executable).parent / "xieshang"
    done = subprocess.run(
        [str(exe), "plan", str(EXAMPLES / "situation.toml"), "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Monthly repayment capacity" in done.stdout
    assert "3,230.00" in done.stdout


def test_a_schedule_typed_from_a_contract_is_checked_like_a_computed_one(capsys):
    path = EXAMPLES / "loans" / "manual-contract.toml"
    assert run(["check-loan", str(path), "--as-of", "2024-07-01", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["amount_above_cap"] == "0.00"
    assert data["charges_total"] == "2.78"
    assert Decimal(data["all_in_apr"]) == pytest.approx(Decimal("0.0948"), abs=Decimal("0.0002"))


def test_a_typo_in_a_typed_schedule_names_the_row_and_the_numbers(tmp_path, capsys):
    text = (EXAMPLES / "loans" / "manual-contract.toml").read_text(encoding="utf-8")
    path = write(tmp_path, text.replace('interest = "0.53"', 'interest = "0.35"'))
    assert run(["check-loan", str(path), "--as-of", "2024-07-01"]) == 2
    err = capsys.readouterr().err
    assert "第3期" in err
    assert "16.95" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('monthly = "2600"', 'monthy = "2600"'), "monthy"),
        (('category = "food"', 'category = "snacks"'), "snacks"),
        (('living_cost_basis = "own"', 'living_cost_basis = "mine"'), "mine"),
        (("adults = 2", 'adults = "two"'), "two"),
        (('province = "广东省"', "province = 44"), "44"),
    ],
)
def test_a_bad_situation_file_names_the_entry_at_fault(tmp_path, capsys, change, expected):
    shutil.copytree(EXAMPLES, tmp_path / "ex")
    situation = tmp_path / "ex" / "situation.toml"
    text = situation.read_text(encoding="utf-8")
    assert change[0] in text
    situation.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    assert run(["plan", str(situation), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert len(err.strip().splitlines()) == 1
