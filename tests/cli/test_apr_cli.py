"""``xieshang apr``: level payments or a CSV of dated flows → periodic IRR, simple and compound
APR as decimal fractions; checked against pyxirr and numpy-financial, and bad input is one
translated line naming the field with exit code 2.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy_financial as npf
import pytest
import pyxirr

from xieshang.cli.main import run

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "examples" / "flows.csv"
EXAMPLE = [
    "apr",
    "--principal",
    "100000",
    "--upfront-fee",
    "1000",
    "--payment",
    "8833.30",
    "--months",
    "12",
]


def rate(text: Any) -> Decimal:
    assert isinstance(text, str), f"rates must be decimal strings, not {type(text).__name__}"
    return Decimal(text)


def write_flows(tmp_path: Path, text: str, name: str = "flows.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- level payments --------------------------------------------------------------------------


def test_the_readme_example_has_an_apr_of_12_80_percent(cli_json):
    """99 000 in hand (100 000 less a 1 000 fee), 12 × 8 833.30 back."""
    data = cli_json(*EXAMPLE)
    assert data["received"] == "99000.00"
    assert data["periods_per_year"] == 12
    assert abs(rate(data["apr_simple"]) - Decimal("0.1280")) < Decimal("0.00005")
    assert rate(data["apr_simple"]) == rate(data["periodic_irr"]) * 12
    compound = (1 + rate(data["periodic_irr"])) ** 12 - 1
    assert abs(rate(data["apr_compound"]) - compound) < Decimal("1e-11")
    assert data["warnings"] == []


def test_the_readme_example_agrees_with_pyxirr_and_numpy_financial(cli_json):
    data = cli_json(*EXAMPLE)
    floats = [99000.0, *([-8833.30] * 12)]
    ours = rate(data["periodic_irr"])
    assert abs(ours - Decimal(repr(pyxirr.irr(floats)))) < Decimal("1e-10")
    assert abs(ours - Decimal(repr(float(npf.irr(floats))))) < Decimal("1e-10")


def test_the_table_shows_12_80_percent_and_the_money_received(capsys):
    assert run(EXAMPLE) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "12.80%" in out
    assert "99,000.00" in out
    assert "年化利率" in out
    assert run([*EXAMPLE, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "APR (simple)" in out
    assert "12.80%" in out


def test_without_a_fee_an_annuity_costs_its_nominal_rate(cli_json):
    """100 000 at 18 %/yr over 12 months: payment 9 168.00 (round half-up)."""
    payment = Decimal(100000) * Decimal("0.015") / (1 - Decimal("1.015") ** -12)
    assert f"{payment:.2f}" == "9168.00"
    data = cli_json("apr", "--principal", "100000", "--payment", "9168.00", "--months", "12")
    assert abs(rate(data["apr_simple"]) - Decimal("0.18")) < Decimal("0.0001")


def test_the_upfront_fee_defaults_to_zero(cli_json):
    args = ["apr", "--principal", "1000", "--payment", "90", "--months", "12"]
    assert cli_json(*args) == cli_json(*args, "--upfront-fee", "0")


# --- dated flows -----------------------------------------------------------------------------


def test_the_example_flows_file_is_a_10000_loan_repaid_by_12_payments_of_950():
    with FLOWS.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows[0] == {"date": "2024-03-01", "amount": "10000.00"}
    assert [r["amount"] for r in rows[1:]] == ["-950.00"] * 12
    assert [r["date"] for r in rows[1:]][:2] == ["2024-04-01", "2024-05-01"]
    assert rows[-1]["date"] == "2025-03-01"


def test_dated_flows_give_the_xirr_that_pyxirr_gives(cli_json):
    data = cli_json("apr", "--flows", str(FLOWS))
    with FLOWS.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    days = [date.fromisoformat(r["date"]) for r in rows]
    amounts = [float(r["amount"]) for r in rows]
    expected = Decimal(repr(pyxirr.xirr(days, amounts)))
    assert abs(rate(data["apr_compound"]) - expected) < Decimal("1e-9")
    # 11 400 back on 10 000: about 27.8 % a year compound, 24.8 % simple.
    assert Decimal("0.27") < rate(data["apr_compound"]) < Decimal("0.29")
    assert rate(data["apr_simple"]) < rate(data["apr_compound"])
    assert data["warnings"] == []
    assert "received" not in data


def test_dated_flows_print_a_table_too(capsys):
    assert run(["apr", "--flows", str(FLOWS), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "APR (compound, IRR)" in out
    assert "27.79%" in out


def test_flows_that_change_sign_twice_warn_in_json_and_in_words(cli_json, capsys, tmp_path):
    path = write_flows(
        tmp_path, "date,amount\n2024-01-01,1000\n2024-02-01,-600\n2024-03-01,100\n2024-04-01,-600\n"
    )
    data = cli_json("apr", "--flows", str(path))
    assert data["sign_changes"] == 3
    assert data["warnings"] == ["apr.multiple_sign_changes"]
    assert run(["apr", "--flows", str(path), "--lang", "en"]) == 0
    err = capsys.readouterr().err
    assert "change sign more than once" in err


def test_a_flows_file_may_have_a_bom_spaces_and_grouped_amounts(cli_json, tmp_path):
    path = write_flows(
        tmp_path,
        '\ufeffdate , amount\n2024-03-01,"10,000.00"\n'
        + "".join(f"{d}, -950\n" for d in (r["date"] for r in _example_rows()[1:])),
    )
    assert cli_json("apr", "--flows", str(path)) == cli_json("apr", "--flows", str(FLOWS))


def _example_rows() -> list[dict[str, str]]:
    with FLOWS.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


# --- help ------------------------------------------------------------------------------------


def test_help_exits_0_and_describes_both_ways_of_giving_the_loan(capsys):
    assert run(["apr", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--principal", "--upfront-fee", "--payment", "--months", "--flows", "--json"):
        assert option in out
    assert "--lang" in out


# --- bad input -------------------------------------------------------------------------------


def regular(**changes: str | None) -> list[str]:
    options: dict[str, str | None] = {
        "--principal": "100000",
        "--upfront-fee": "1000",
        "--payment": "8833.30",
        "--months": "12",
        **changes,
    }
    args = ["apr"]
    for option, value in options.items():
        if value is not None:
            args += [option, value]
    return args


REGULAR_BAD = [
    pytest.param(regular(**{"--principal": "-100000"}), "本金", "principal", id="p-negative"),
    pytest.param(regular(**{"--principal": "abc"}), "本金", "principal", id="p-abc"),
    pytest.param(regular(**{"--principal": "1e40"}), "本金", "principal", id="p-huge"),
    pytest.param(regular(**{"--payment": "abc"}), "每期还款额", "payment", id="payment-abc"),
    pytest.param(regular(**{"--payment": "0"}), "每期还款额", "payment", id="payment-zero"),
    pytest.param(regular(**{"--payment": "1e40"}), "每期还款额", "payment", id="payment-huge"),
    pytest.param(regular(**{"--upfront-fee": "-5"}), "前置费用", "upfront fee", id="fee-neg"),
    pytest.param(regular(**{"--upfront-fee": "100000"}), "前置费用", "upfront fee", id="fee-all"),
    pytest.param(regular(**{"--months": "0"}), "期数", "months", id="term-zero"),
    pytest.param(regular(**{"--months": "1.5"}), "期数", "months", id="term-fraction"),
    pytest.param(regular(**{"--months": "99999999"}), "期数", "months", id="term-huge"),
    pytest.param(regular(**{"--months": None}), "--months", "--months", id="term-missing"),
    pytest.param(regular(**{"--payment": None}), "--payment", "--payment", id="payment-missing"),
    pytest.param(["apr"], "--flows", "--flows", id="nothing-given"),
    pytest.param([*regular(), "--rate", "12"], "--rate", "--rate", id="unknown-option"),
]


@pytest.mark.parametrize(("args", "zh", "en"), REGULAR_BAD)
def test_bad_level_payment_input_gives_one_translated_line_and_exit_code_2(
    assert_one_line, capsys, args, zh, en
):
    for lang, word in (("zh", zh), ("en", en)):
        for output in ([], ["--json"]):
            code = run([*args, *output, "--lang", lang])
            out, err = capsys.readouterr()
            assert code == 2, (lang, err)
            assert out == ""
            assert_one_line(err, word, lang)


def test_a_negative_rate_is_a_result_with_a_warning_not_an_error(assert_one_line, cli_json, capsys):
    """12 × 8 000 back on 99 000 received: the rate is below zero; exit 0, one warning line."""
    data = cli_json(*regular(**{"--payment": "8000"}))
    assert rate(data["apr_simple"]) < 0
    assert data["warnings"] == ["apr.negative_rate"]
    for lang, word in (("zh", "年化利率为负"), ("en", "negative rate")):
        assert run([*regular(**{"--payment": "8000"}), "--lang", lang]) == 0
        assert_one_line(capsys.readouterr().err, word, lang)


GOOD_ROWS = "2024-03-01,10000\n2024-04-01,-5200\n2024-05-01,-5200\n"
FLOWS_BAD = [
    pytest.param(None, "现金流文件", "cash-flow file", id="missing-file"),
    pytest.param("", "现金流文件", "cash-flow file", id="empty-file"),
    pytest.param("date,amount\n", "现金流", "cash flows", id="header-only"),
    pytest.param("when,amount\n" + GOOD_ROWS, "表头", "header", id="wrong-header"),
    pytest.param("date,amount\n2024-03-01,10000,7\n", "列数", "columns", id="extra-column"),
    pytest.param("date,amount\n2024-03-01\n", "列数", "columns", id="missing-column"),
    pytest.param("date,amount\n2024-02-30,10000\n", "日期", "date", id="bad-date"),
    pytest.param("date,amount\n2024-03-01,lots\n", "金额", "amount", id="bad-amount"),
    pytest.param("date,amount\n2024-03-01,1e40\n", "金额", "amount", id="huge-amount"),
    pytest.param("date,amount\n2024-03-01,10000\n", "现金流", "cash flows", id="one-flow"),
    pytest.param(
        "date,amount\n2024-03-01,-10\n2024-04-01,-5\n", "正负", "change sign", id="no-sign-change"
    ),
    pytest.param(b"\xff\xfe\x00garbage", "现金流文件", "cash-flow file", id="not-utf8"),
]


@pytest.mark.parametrize(("content", "zh", "en"), FLOWS_BAD)
def test_a_bad_flows_file_gives_one_translated_line_and_exit_code_2(
    assert_one_line, capsys, tmp_path, content, zh, en
):
    path = tmp_path / "flows.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    for lang, word in (("zh", zh), ("en", en)):
        code = run(["apr", "--flows", str(path), "--lang", lang])
        out, err = capsys.readouterr()
        assert code == 2, (lang, err)
        assert out == ""
        assert_one_line(err, word, lang)


def test_a_bad_cell_is_named_by_its_flow_number(capsys, tmp_path):
    path = write_flows(tmp_path, "date,amount\n2024-03-01,10000\n2024-04-01,-5O00\n")
    assert run(["apr", "--flows", str(path), "--lang", "en"]) == 2
    assert capsys.readouterr().err.startswith("cash-flow file #2 › amount is not a valid amount")
    assert run(["apr", "--flows", str(path)]) == 2
    assert capsys.readouterr().err.startswith("现金流文件第2项·金额不是有效金额")


# --- the installed console script ------------------------------------------------------------


def test_the_console_script_computes_the_example_and_refuses_a_missing_file(console):
    good = console(*EXAMPLE, "--json")
    assert good.returncode == 0, good.stderr
    data = json.loads(good.stdout)
    assert data["apr_simple"].startswith("0.1280")
    bad = console("apr", "--flows", "no-such-flows.csv")
    assert bad.returncode == 2
    assert bad.stderr == "找不到现金流文件：no-such-flows.csv\n"
