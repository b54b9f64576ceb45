"""The shipped LPR table and legal rules: true to the reference, complete, and validated."""

import csv
import io
import tomllib
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from string import Formatter

import pytest

from xieshang.data import DataFileError, read_text
from xieshang.data.law import (
    RULES_FILE,
    load_legal_rules,
    load_lpr_table,
    parse_legal_rules,
    parse_lpr_rows,
)
from xieshang.domain.law import PLACEHOLDERS, RuleKind, select_regime
from xieshang.domain.loan import LenderType

D = Decimal
# The team's shared reference folder sits beside the project root (also in CI).
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"

# reference/lpr.csv, copied by hand: the test fails if the shipped file drifts from it.
REFERENCE_ROWS = [
    ("2019-08-20", "4.25", "4.85"),
    ("2019-09-20", "4.20", "4.85"),
    ("2019-11-20", "4.15", "4.80"),
    ("2020-02-20", "4.05", "4.75"),
    ("2020-04-20", "3.85", "4.65"),
    ("2021-12-20", "3.80", "4.65"),
    ("2022-01-20", "3.70", "4.60"),
    ("2022-05-20", "3.70", "4.45"),
    ("2022-08-22", "3.65", "4.30"),
    ("2023-06-20", "3.55", "4.20"),
    ("2023-08-21", "3.45", "4.20"),
    ("2024-02-20", "3.45", "3.95"),
    ("2024-07-22", "3.35", "3.85"),
    ("2024-10-21", "3.10", "3.60"),
    ("2025-05-20", "3.00", "3.50"),
]


def _as_fixings(rows):
    return [(date.fromisoformat(d), D(a) / 100, D(b) / 100) for d, a, b in rows]


def test_every_shipped_lpr_row_matches_the_reference_table():
    shipped = [(f.effective_date, f.one_year, f.five_year) for f in load_lpr_table().fixings]
    assert shipped == _as_fixings(REFERENCE_ROWS)


@pytest.mark.skipif(not (REFERENCE / "lpr.csv").exists(), reason="reference folder not present")
def test_every_shipped_lpr_row_matches_the_reference_file():
    text = (REFERENCE / "lpr.csv").read_text(encoding="utf-8")
    body = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    rows = [
        (r["effective_date"], r["lpr_1y"], r["lpr_5y"])
        for r in csv.DictReader(io.StringIO("\n".join(body)))
    ]
    assert rows == REFERENCE_ROWS
    shipped_comments = [c for c in read_text("lpr.csv").splitlines() if c.startswith("#")]
    assert [c for c in text.splitlines() if c.startswith("#")] == shipped_comments[:5]


def test_every_lpr_row_has_confidence_marks_and_a_source():
    for f in load_lpr_table().fixings:
        assert f.confidence_1y in ("✅", "☑️", "⚠️") and f.confidence_5y in ("✅", "☑️", "⚠️")
        assert f.source
    flagged = [f.effective_date for f in load_lpr_table().fixings if f.confidence_5y == "⚠️"]
    assert flagged == [date(2024, 2, 20)]  # one table has a wrong 5Y value that day


@pytest.mark.parametrize(
    ("day", "four_times", "quoted"),
    [
        (date(2019, 8, 20), D("0.17"), "17.0 % (from\n2019-08-20)"),
        (date(2024, 10, 21), D("0.124"), "12.4 % (from\n2024-10-21)"),
        (date(2025, 5, 20), D("0.12"), "12.0 % (from 2025-05-20)"),
    ],
)
def test_four_times_the_lpr_matches_the_reference_text(day, four_times, quoted):
    assert 4 * load_lpr_table().one_year_at(day) == four_times
    ref = REFERENCE / "law-and-rates.md"
    if ref.exists():
        flat = " ".join(ref.read_text(encoding="utf-8").split())
        assert " ".join(quoted.split()) in flat


def test_every_rule_has_a_source_a_confidence_mark_citations_and_both_explanations():
    rules = load_legal_rules().rules
    assert len({r.id for r in rules}) == len(rules) >= 15
    for r in rules:
        assert r.source and r.citation_zh and r.citation_en, r.id
        assert r.confidence in ("✅", "☑️", "⚠️"), r.id
        assert r.explanation_zh and r.explanation_en, r.id
        assert r.severity in ("info", "warning", "violation"), r.id
        for text in (r.explanation_zh, r.explanation_en):
            names = {n for _, n, _, _ in Formatter().parse(text) if n}
            assert names <= PLACEHOLDERS, r.id


def test_unverified_rules_are_never_hard_caps():
    unverified = [r for r in load_legal_rules().rules if r.confidence == "⚠️"]
    assert {r.id for r in unverified} >= {"window_guidance_2025_20", "bank_penalty_markup"}
    assert all(r.kind is not RuleKind.CAP for r in unverified)


def test_every_lender_type_has_exactly_one_regime_from_september_2015_on():
    rules = load_legal_rules()
    days = [
        date(2015, 9, 1),
        date(2019, 6, 1),
        date(2020, 8, 19),
        date(2020, 8, 20),
        date(2020, 12, 31),
        date(2021, 1, 1),
        date(2024, 11, 1),
        date(2026, 1, 1),
    ]
    for kind in LenderType:
        for day in days:
            assert select_regime(kind, day, rules).rule.kind is RuleKind.CAP


# ------------------------------------------------------------------ the loaders refuse bad files


def _toml():
    return tomllib.loads(read_text(RULES_FILE))


def _rule(data, rule_id):
    return next(r for r in data["rule"] if r["id"] == rule_id)


def test_overlapping_cap_ranges_are_refused_naming_both_rules():
    data = _toml()
    _rule(data, "private_legacy")["effective_to"] = date(2020, 8, 20)
    with pytest.raises(DataFileError) as e:
        parse_legal_rules(data)
    assert "private_legacy" in str(e.value) and "private_2020" in str(e.value)


@pytest.mark.parametrize(
    ("rule_id", "key", "value", "words"),
    [
        ("private_2020", "lender_types", ["private", "loan_shark"], "loan_shark"),
        ("private_2020", "effective_to", date(2020, 1, 1), "before effective_from"),
        ("private_2020", "effective_from", "2020-08-20", "not a date"),
        ("private_2020", "source", "", "missing or empty"),
        ("private_2020", "confidence", "?", "confidence"),
        ("private_2020", "explanation_en", "{capp_pct}", "unknown placeholders"),
        ("private_2020", "cap", 0.24, "write caps as strings"),
        ("private_2020", "cap", "lots", "not a cap"),
        ("private_2020", "colour", "red", "unknown key"),
        ("cash_loan_36", "line", 0.36, "write rates as strings"),
        ("private_2020", "confidence", "⚠️", "cannot be a cap"),
        ("card_installment_60", "limit_months", 0, "positive whole number"),
        ("above_cap_practice", "when", "sometimes", "want one of"),
    ],
)
def test_bad_rules_are_refused_with_the_rule_and_key(rule_id, key, value, words):
    data = _toml()
    _rule(data, rule_id)[key] = value
    with pytest.raises(DataFileError) as e:
        parse_legal_rules(data)
    assert rule_id in str(e.value) and words in str(e.value)


def test_duplicate_rule_ids_are_refused():
    data = _toml()
    data["rule"].append(dict(_rule(data, "card_fees_note")))
    with pytest.raises(DataFileError, match="duplicate id"):
        parse_legal_rules(data)


def _lpr_rows(*rows):
    cols = ("effective_date", "lpr_1y", "lpr_5y", "confidence_1y", "confidence_5y", "source")
    return [(i + 10, dict(zip(cols, r, strict=True))) for i, r in enumerate(rows)]


def test_bad_lpr_rows_are_refused_with_their_line():
    good = ("2019-08-20", "4.25", "4.85", "☑️", "☑️", "s")
    cases = [
        (("2019-8-20", "4.25", "4.85", "☑️", "☑️", "s"), "bad date"),
        (("2019-08-20", "4.25", "4.85", "☑️", "☑️", "s"), "not after"),
        (("2019-09-20", "four", "4.85", "☑️", "☑️", "s"), "not a number"),
        (("2019-09-20", "425", "4.85", "☑️", "☑️", "s"), "out of range"),
        (("2019-09-20", "4.20", "4.85", "ok", "☑️", "s"), "unknown mark"),
        (("2019-09-20", "4.20", "4.85", "☑️", "☑️", ""), "empty source"),
    ]
    assert parse_lpr_rows(_lpr_rows(good)).one_year_at(date(2020, 1, 1)) == D("0.0425")
    for bad, words in cases:
        with pytest.raises(DataFileError) as e:
            parse_lpr_rows(_lpr_rows(good, bad))
        assert e.value.line == 11 and words in e.value.problem, bad


def test_a_disabled_rule_no_longer_applies():
    rules = load_legal_rules()
    off = replace(next(r for r in rules.rules if r.id == "card_installment_60"), enabled=False)
    assert not off.applies(LenderType.CREDIT_CARD, date(2024, 1, 1))
