"""The calculators over the API answer exactly what the CLI answers."""

from __future__ import annotations

import json
from decimal import Decimal

from xieshang.cli.main import run


def cli(capsys, *args):
    capsys.readouterr()
    assert run([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_schedule_over_the_api_equals_the_cli_schedule(api, people, capsys):
    borrower = people.logged_in("borrower")
    body = {"principal": "100", "annual_rate": "9.4822", "months": 6, "start": "2024-01-01"}
    r = api.post("/api/calc/schedule", json=body, headers=borrower.headers)
    assert r.status_code == 200, r.text
    ours = r.json()
    theirs = cli(
        capsys,
        "schedule",
        "--principal",
        "100",
        "--annual-rate",
        "9.4822",
        "--months",
        "6",
        "--start",
        "2024-01-01",
    )
    assert ours["rows"] == theirs["rows"]
    assert ours["totals"] == theirs["totals"]
    assert [row["payment"] for row in ours["rows"]] == ["17.13"] * 6  # V-F1


def test_an_apr_over_the_api_equals_the_cli_apr(api, people, capsys):
    borrower = people.logged_in("borrower")
    body = {"principal": "100000", "upfront_fee": "1000", "payment": "8833.30", "months": 12}
    ours = api.post("/api/calc/apr", json=body, headers=borrower.headers).json()
    theirs = cli(
        capsys,
        "apr",
        "--principal",
        "100000",
        "--upfront-fee",
        "1000",
        "--payment",
        "8833.30",
        "--months",
        "12",
    )
    assert ours == theirs
    assert round(Decimal(ours["apr_simple"]), 4) == Decimal("0.1280")


def test_bad_calculator_input_is_a_400_naming_the_field_and_needs_a_login(api, people):
    borrower = people.logged_in("borrower")
    body = {"principal": "-5", "annual_rate": "9", "months": 6, "start": "2024-01-01"}
    r = api.post(
        "/api/calc/schedule", json=body, headers={**borrower.headers, "Accept-Language": "en"}
    )
    assert r.status_code == 400
    assert r.json()["field"] == "principal"
    assert api.post("/api/calc/apr", json={"flows": []}).status_code == 401
