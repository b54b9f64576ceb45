"""``xieshang schedule --business-day``: due dates move off weekends and Chinese holidays."""

from __future__ import annotations

import json
from decimal import Decimal

from xieshang.cli.main import run

BASE = ["schedule", "--principal", "12000", "--annual-rate", "12", "--months", "12"]


def rows_of(capsys, *extra):
    assert run([*BASE, *extra, "--json"]) == 0
    return json.loads(capsys.readouterr().out, parse_float=Decimal)


def test_a_due_date_on_national_day_moves_to_the_first_working_day_after_the_holiday(capsys):
    data = rows_of(capsys, "--start", "2025-09-01", "--business-day", "following")
    assert data["rows"][0]["due_date"] == "2025-10-09"  # Oct 1–8 off in 2025
    assert "note.due_dates_shifted" in data["notes"]
    assert "note.provisional_holidays" not in data["notes"]


def test_a_worked_weekend_counts_as_a_business_day(capsys):
    # 2026-02-28 is a Saturday worked for the Spring Festival (调休): no shift needed.
    data = rows_of(
        capsys,
        "--start",
        "2026-01-28",
        "--first-due",
        "2026-02-28",
        "--business-day",
        "following",
        "--months",
        "1",
    )
    assert data["rows"][0]["due_date"] == "2026-02-28"


def test_schedules_reaching_years_without_published_holidays_say_so(capsys):
    data = rows_of(capsys, "--start", "2026-09-01", "--business-day", "following")
    assert "note.provisional_holidays" in data["notes"]


def test_without_the_option_due_dates_stay_on_the_contract_day(capsys):
    data = rows_of(capsys, "--start", "2025-09-01")
    assert data["rows"][0]["due_date"] == "2025-10-01"


def test_an_unknown_rule_is_one_translated_line_and_exit_2(capsys):
    assert run([*BASE, "--start", "2025-09-01", "--business-day", "sideways", "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert "工作日顺延规则" in err
    assert len(err.strip().splitlines()) == 1
