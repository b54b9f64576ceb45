"""``xieshang schedule``: the public contract of the issue, run in-process through
``xieshang.cli.main.run`` (and once through the installed console script).

Money in JSON is always a decimal string ("17.13"); bad input is one translated line on stderr
naming the field, with exit code 2 and never a traceback.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from xieshang.cli.main import run

MONEY = re.compile(r"^-?\d+\.\d{2}$")
MONEY_KEYS = ("payment", "principal", "interest", "fee", "balance")
V_F1 = [
    "schedule",
    "--principal",
    "100",
    "--annual-rate",
    "9.4822",
    "--months",
    "6",
    "--method",
    "annuity",
    "--start",
    "2024-01-01",
]


def fen(text: str) -> Decimal:
    assert isinstance(text, str), f"money must be a decimal string, not {type(text).__name__}"
    assert MONEY.match(text), text
    return Decimal(text)


def check_sound(data: dict[str, Any], principal: str) -> None:
    """Rows add up: payment = principal + interest + fee, balances fall to zero, the totals
    are the exact column sums and the principal column repays the loan."""
    rows = data["rows"]
    assert [r["n"] for r in rows] == list(range(1, len(rows) + 1))
    balance = Decimal(principal)
    for r in rows:
        for key in MONEY_KEYS:
            fen(r[key])
        assert fen(r["payment"]) == fen(r["principal"]) + fen(r["interest"]) + fen(r["fee"])
        balance -= fen(r["principal"])
        assert fen(r["balance"]) == balance
    assert balance == 0
    dates = [date.fromisoformat(r["due_date"]) for r in rows]
    assert dates == sorted(set(dates))
    totals = data["totals"]
    for key in ("payment", "principal", "interest", "fee"):
        assert fen(totals[key]) == sum((fen(r[key]) for r in rows), Decimal(0))
    assert fen(totals["principal"]) == Decimal(principal)


def half_up(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- the V-F1 vector (Apache Fineract) -------------------------------------------------------


def test_the_fineract_vector_comes_out_of_the_json_row_by_row(cli_json):
    data = cli_json(*V_F1)
    rows = data["rows"]
    assert [r["due_date"] for r in rows] == [f"2024-{m:02d}-01" for m in range(2, 8)]
    assert [r["payment"] for r in rows] == ["17.13"] * 6
    assert [r["interest"] for r in rows] == ["0.79", "0.66", "0.53", "0.40", "0.27", "0.13"]
    assert [r["principal"] for r in rows] == ["16.34", "16.47", "16.60", "16.73", "16.86", "17.00"]
    assert [r["balance"] for r in rows] == ["83.66", "67.19", "50.59", "33.86", "17.00", "0.00"]
    assert data["totals"] == {
        "payment": "102.78",
        "principal": "100.00",
        "interest": "2.78",
        "fee": "0.00",
    }
    assert data["principal"] == "100.00"
    assert Decimal(data["annual_rate"]) == Decimal("0.094822")
    assert data["method"] == "annuity"
    assert data["months"] == 6
    check_sound(data, "100")


def test_every_row_carries_the_contract_fields(cli_json):
    rows = cli_json(*V_F1)["rows"]
    for r in rows:
        assert {"n", "due_date", "payment", "principal", "interest", "balance"} <= set(r)


def test_money_in_json_is_never_a_binary_float(cli_json):
    data = cli_json(*V_F1)
    for r in data["rows"]:
        assert all(isinstance(r[k], str) for k in MONEY_KEYS)
    assert all(isinstance(v, str) for v in data["totals"].values())


# --- every method and day count -------------------------------------------------------------


@pytest.mark.parametrize("method", ["annuity", "equal-principal", "interest-only", "bullet"])
@pytest.mark.parametrize("day_count", ["30/360", "act/360", "act/365"])
def test_every_method_and_day_count_gives_a_schedule_that_adds_up(cli_json, method, day_count):
    data = cli_json(
        "schedule",
        "--principal",
        "12345.67",
        "--annual-rate",
        "18",
        "--months",
        "24",
        "--method",
        method,
        "--start",
        "2024-01-31",
        "--day-count",
        day_count,
    )
    assert data["method"] == method
    assert len(data["rows"]) == (1 if method == "bullet" else 24)
    check_sound(data, "12345.67")


def test_equal_principal_repays_the_same_principal_each_month_with_the_remainder_last(cli_json):
    data = cli_json(*V_F1[:-4], "--method", "equal-principal", "--start", "2024-01-01")
    principals = [fen(r["principal"]) for r in data["rows"]]
    assert len(set(principals[:-1])) == 1
    assert abs(principals[0] - Decimal(100) / 6) < Decimal("0.01")
    assert principals[-1] == 100 - sum(principals[:-1])
    # Interest falls with the balance: 100 × 9.4822 % / 12 = 0.79 in the first month.
    interests = [fen(r["interest"]) for r in data["rows"]]
    assert interests[0] == Decimal("0.79")
    assert interests == sorted(interests, reverse=True)
    check_sound(data, "100")


def test_interest_only_pays_interest_monthly_and_the_principal_at_the_end(cli_json):
    data = cli_json(*V_F1[:-4], "--method", "interest-only", "--start", "2024-01-01")
    rows = data["rows"]
    assert [r["principal"] for r in rows] == ["0.00"] * 5 + ["100.00"]
    assert [r["interest"] for r in rows] == ["0.79"] * 6
    assert rows[-1]["payment"] == "100.79"


@pytest.mark.parametrize(
    ("day_count", "days", "basis"),
    [("30/360", 180, 360), ("act/360", 182, 360), ("act/365", 182, 365)],
)
def test_a_bullet_loan_counts_interest_by_the_chosen_day_count(cli_json, day_count, days, basis):
    """2024-01-01 → 2024-07-01 is 182 actual days and 180 days in 30/360."""
    data = cli_json(
        *V_F1[:-4], "--method", "bullet", "--start", "2024-01-01", "--day-count", day_count
    )
    (row,) = data["rows"]
    expected = half_up(Decimal(100) * Decimal("0.094822") * days / basis)
    assert row["due_date"] == "2024-07-01"
    assert fen(row["interest"]) == expected
    assert fen(row["payment"]) == 100 + expected


@pytest.mark.parametrize(("day_count", "basis"), [("act/360", 360), ("act/365", 365)])
def test_actual_day_counts_charge_january_for_31_days(cli_json, day_count, basis):
    data = cli_json(*V_F1, "--day-count", day_count)
    first = data["rows"][0]
    assert fen(first["interest"]) == half_up(Decimal(100) * Decimal("0.094822") * 31 / basis)
    check_sound(data, "100")


def test_the_day_count_defaults_to_30_360(cli_json):
    assert cli_json(*V_F1) == cli_json(*V_F1, "--day-count", "30/360")


# --- options ---------------------------------------------------------------------------------


def test_a_later_first_due_date_makes_a_broken_first_period_with_its_days_of_interest(cli_json):
    data = cli_json(*V_F1, "--first-due", "2024-02-15")
    rows = data["rows"]
    assert [r["due_date"] for r in rows] == [f"2024-{m:02d}-15" for m in range(2, 8)]
    # 30/360 from 01-01 to 02-15 is 44 days.
    assert fen(rows[0]["interest"]) == half_up(Decimal(100) * Decimal("0.094822") * 44 / 360)
    assert "note.irregular_first_period" in data["notes"]
    check_sound(data, "100")


def test_round_to_rounds_the_installment_up_to_a_whole_yuan_as_frappe_does(cli_json):
    """V-FL1: 280 000 at 8.4 % over 20 months, installment ceiling to a whole unit = 15052."""
    data = cli_json(
        "schedule",
        "--principal",
        "280000",
        "--annual-rate",
        "8.4",
        "--months",
        "20",
        "--start",
        "2024-01-01",
        "--round-to",
        "1",
    )
    payments = [r["payment"] for r in data["rows"]]
    assert payments[:-1] == ["15052.00"] * 19
    assert fen(payments[-1]) < Decimal("15052")
    assert "note.payment_rounded_up" in data["notes"]
    check_sound(data, "280000")


def test_a_plain_schedule_has_no_notes(cli_json):
    assert cli_json(*V_F1)["notes"] == []


# --- table output, help, language -----------------------------------------------------------


def test_the_table_shows_every_row_and_the_totals_row_in_chinese_by_default(capsys):
    assert run(V_F1) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "还款计划" in out
    assert "合计" in out
    assert "102.78" in out  # total payment
    assert "2.78" in out  # total interest
    assert out.count("17.13") == 6


def test_the_table_speaks_english_with_lang_en_or_the_environment(capsys, monkeypatch):
    assert run([*V_F1, "--lang", "en"]) == 0
    by_option = capsys.readouterr().out
    monkeypatch.setenv("XIESHANG_LANG", "en")
    assert run(V_F1) == 0
    by_env = capsys.readouterr().out
    for out in (by_option, by_env):
        assert "Repayment schedule" in out
        assert "Total" in out
        assert "102.78" in out


def test_notes_are_printed_under_the_table_in_words(capsys):
    assert run([*V_F1, "--round-to", "1", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "the installment was rounded up" in out
    assert "note.payment_rounded_up" not in out


def test_help_exits_0_and_describes_the_options(capsys):
    assert run(["schedule", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--principal", "--annual-rate", "--months", "--method", "--start"):
        assert option in out
    for option in ("--day-count", "--first-due", "--round-to", "--json", "--lang"):
        assert option in out
    assert run(["--help"]) == 0
    out = capsys.readouterr().out
    assert "schedule" in out
    assert "apr" in out


def test_no_arguments_prints_the_help_and_exits_0(capsys):
    assert run([]) == 0
    assert "schedule" in capsys.readouterr().out


# --- bad input: one translated line naming the field, exit code 2 ----------------------------

BASE = {
    "--principal": "100",
    "--annual-rate": "9.4822",
    "--months": "6",
    "--start": "2024-01-01",
}


def argv(**changes: str | None) -> list[str]:
    """The V-F1 command with options replaced (``None`` drops one)."""
    options: dict[str, str | None] = {
        **BASE,
        **{k.replace("_", "-"): v for k, v in changes.items()},
    }
    args = ["schedule"]
    for option, value in options.items():
        if value is not None:
            args += [option if option.startswith("--") else f"--{option}", value]
    return args


BAD_INPUT = [
    pytest.param(argv(**{"--principal": "-100"}), "本金", "principal", id="negative-principal"),
    pytest.param(argv(**{"--principal": "0"}), "本金", "principal", id="zero-principal"),
    pytest.param(argv(**{"--principal": "lots"}), "本金", "principal", id="principal-not-number"),
    pytest.param(argv(**{"--principal": "1e400"}), "本金", "principal", id="principal-huge"),
    pytest.param(argv(**{"--principal": "nan"}), "本金", "principal", id="principal-nan"),
    pytest.param(argv(method="balloon"), "还款方式", "repayment method", id="unknown-method"),
    pytest.param(argv(**{"--annual-rate": "abc"}), "年利率", "annual rate", id="rate-abc"),
    pytest.param(argv(**{"--annual-rate": "-5"}), "年利率", "annual rate", id="rate-negative"),
    pytest.param(argv(**{"--annual-rate": "1000"}), "年利率", "annual rate", id="rate-too-large"),
    pytest.param(argv(**{"--annual-rate": "1e-100"}), "年利率", "annual rate", id="rate-tiny"),
    pytest.param(argv(**{"--months": "0"}), "期数", "months", id="term-zero"),
    pytest.param(argv(**{"--months": "-3"}), "期数", "months", id="term-negative"),
    pytest.param(argv(**{"--months": "six"}), "期数", "months", id="term-not-integer"),
    pytest.param(argv(**{"--months": "601"}), "期数", "months", id="term-too-long"),
    pytest.param(argv(**{"--start": "2024-13-01"}), "起息日", "start date", id="bad-start"),
    pytest.param(argv(**{"--start": "yesterday"}), "起息日", "start date", id="start-words"),
    pytest.param(argv(**{"--start": None}), "--start", "--start", id="missing-start"),
    pytest.param(argv(**{"--principal": None}), "--principal", "--principal", id="missing-p"),
    pytest.param([*argv(), "--bogus", "1"], "--bogus", "--bogus", id="unknown-option"),
    pytest.param(argv(day_count="act/999"), "计息基准", "day count", id="bad-day-count"),
    pytest.param(argv(first_due="2024-02-30"), "首期还款日", "first due date", id="bad-first"),
    pytest.param(argv(first_due="2023-12-01"), "首期还款日", "first due date", id="first-early"),
    pytest.param(argv(round_to="-1"), "取整单位", "round to", id="round-to-negative"),
    pytest.param(argv(round_to="x"), "取整单位", "round to", id="round-to-not-number"),
]


@pytest.mark.parametrize(("args", "zh", "en"), BAD_INPUT)
@pytest.mark.parametrize("output", [[], ["--json"]], ids=["table", "json"])
def test_bad_input_gives_one_line_naming_the_field_in_each_language_and_exit_code_2(
    assert_one_line, capsys, args, zh, en, output
):
    for lang, word in (("zh", zh), ("en", en)):
        code = run([*args, *output, "--lang", lang])
        out, err = capsys.readouterr()
        assert code == 2, (lang, err)
        assert out == ""
        assert_one_line(err, word, lang)


def test_an_unknown_language_is_refused_naming_the_option(capsys):
    assert run([*V_F1, "--lang", "fr"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--lang" in err


def test_the_language_comes_from_the_environment_for_errors_too(capsys, monkeypatch):
    monkeypatch.setenv("XIESHANG_LANG", "en")
    assert run(argv(**{"--principal": "-1"})) == 2
    assert capsys.readouterr().err.strip() == "principal must not be negative (got -1)"


# --- the installed console script ------------------------------------------------------------


def test_the_console_script_prints_the_vector_and_exits_with_2_on_bad_input(console):
    good = console(*V_F1, "--json")
    assert good.returncode == 0, good.stderr
    data = json.loads(good.stdout, parse_float=Decimal)
    assert [r["balance"] for r in data["rows"]][-2:] == ["17.00", "0.00"]
    assert data["totals"]["interest"] == "2.78"
    bad = console(*argv(method="balloon"), "--lang", "en")
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.startswith("unknown repayment method: balloon")
    assert bad.stderr.count("\n") == 1
