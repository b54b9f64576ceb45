"""Load the LPR table (``lpr.csv``) and the legal rules (``legal_rules.toml``) as domain values.

Every row and rule is checked; a bad file fails loudly with its line (CSV) or rule id and key
(TOML) instead of shifting a cap silently.  Percent in the CSV become fractions
(``3.85`` → ``0.0385``).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from xieshang.data import DataFileError, read_csv_rows, read_toml
from xieshang.domain.errors import DomainError
from xieshang.domain.law import (
    CONFIDENCE_MARKS,
    NOTE_WHEN,
    PLACEHOLDERS,
    SEVERITIES,
    CapDate,
    CapSpec,
    Covers,
    LegalRule,
    LegalRules,
    LprFixing,
    LprTable,
    RuleKind,
)
from xieshang.domain.loan import LenderType

LPR_FILE = "lpr.csv"
RULES_FILE = "legal_rules.toml"
LPR_COLUMNS = ("effective_date", "lpr_1y", "lpr_5y", "confidence_1y", "confidence_5y", "source")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HUNDRED = Decimal(100)

_RULE_KEYS = {
    "id", "kind", "code", "regime", "lender_types", "effective_from", "effective_to", "cap",
    "cap_at", "covers", "line", "split_on", "then_cap", "then_cap_at", "limit_months", "when",
    "enabled", "severity", "confidence", "citation_zh", "citation_en", "source", "note",
    "explanation_zh", "explanation_en",
}  # fmt: skip
_REQUIRED_TEXT = (
    "id", "code", "severity", "confidence", "citation_zh", "citation_en", "source",
    "explanation_zh", "explanation_en",
)  # fmt: skip


def _percent(filename: str, line: int, name: str, raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise DataFileError(filename, line, f"{name}: not a number {raw!r}") from None
    if not value.is_finite() or not 0 < value < 100:
        raise DataFileError(filename, line, f"{name}: out of range {raw!r}")
    return value / _HUNDRED


def parse_lpr_rows(rows: list[tuple[int, dict[str, str]]], filename: str = LPR_FILE) -> LprTable:
    """An ``LprTable`` from CSV rows; checks columns, dates (strictly increasing), rates, marks."""
    fixings: list[LprFixing] = []
    for line, row in rows:
        if tuple(row) != LPR_COLUMNS:
            raise DataFileError(filename, line, f"columns {tuple(row)} (want {LPR_COLUMNS})")
        raw_day = row["effective_date"]
        if not _ISO_DATE.fullmatch(raw_day):
            raise DataFileError(filename, line, f"bad date {raw_day!r} (want YYYY-MM-DD)")
        try:
            day = date.fromisoformat(raw_day)
        except ValueError:
            raise DataFileError(filename, line, f"bad date {raw_day!r}") from None
        if fixings and day <= fixings[-1].effective_date:
            raise DataFileError(filename, line, f"date {raw_day} not after the previous row")
        for mark in ("confidence_1y", "confidence_5y"):
            if row[mark] not in CONFIDENCE_MARKS:
                raise DataFileError(filename, line, f"{mark}: unknown mark {row[mark]!r}")
        if not row["source"]:
            raise DataFileError(filename, line, "empty source")
        fixings.append(
            LprFixing(
                day,
                _percent(filename, line, "lpr_1y", row["lpr_1y"]),
                _percent(filename, line, "lpr_5y", row["lpr_5y"]),
                row["confidence_1y"],
                row["confidence_5y"],
                row["source"],
            )
        )
    if not fixings:
        raise DataFileError(filename, None, "no rows")
    return LprTable(tuple(fixings))


@lru_cache(maxsize=1)
def load_lpr_table() -> LprTable:
    """The shipped LPR table."""
    return parse_lpr_rows(read_csv_rows(LPR_FILE))


def _where(rule_id: str, key: str) -> str:
    return f"rule {rule_id!r}, key {key!r}"


def _fail(filename: str, rule_id: str, key: str, problem: str) -> DataFileError:
    return DataFileError(filename, None, f"{_where(rule_id, key)}: {problem}")


def _date(filename: str, rid: str, raw: Mapping[str, Any], key: str) -> date | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    raise _fail(filename, rid, key, f"not a date: {value!r}")


def _rate(filename: str, rid: str, raw: Mapping[str, Any], key: str) -> Decimal | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):  # TOML floats are binary: rates are written as strings
        raise _fail(filename, rid, key, f'write rates as strings like "0.24", got {value!r}')
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise _fail(filename, rid, key, f"not a number: {value!r}") from None
    if not rate.is_finite() or not 0 <= rate < 10:
        raise _fail(filename, rid, key, f"out of range: {value!r}")
    return rate


def _enum(filename: str, rid: str, key: str, value: Any, enum: Any) -> Any:
    try:
        return enum(value)
    except ValueError:
        allowed = [m.value for m in enum]
        raise _fail(
            filename, rid, key, f"unknown value {value!r} (want one of {allowed})"
        ) from None


def _cap(filename: str, rid: str, raw: Mapping[str, Any], key: str) -> CapSpec | None:
    value = raw.get(key)
    if value is None:
        return None
    at = _enum(filename, rid, f"{key}_at", raw.get(f"{key}_at", "contract_date"), CapDate)
    if not isinstance(value, str):
        raise _fail(filename, rid, key, f"write caps as strings, got {value!r}")
    try:
        return CapSpec.parse(value, at)
    except DomainError:
        raise _fail(filename, rid, key, f"not a cap: {value!r}") from None


def _template_names(filename: str, rid: str, key: str, text: str) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise _fail(filename, rid, key, f"bad template: {exc}") from None
    unknown = names - PLACEHOLDERS
    if unknown:
        raise _fail(filename, rid, key, f"unknown placeholders {sorted(unknown)}")


def parse_rule(raw: Mapping[str, Any], filename: str = RULES_FILE) -> LegalRule:
    """One validated rule (see the header of ``legal_rules.toml`` for the fields)."""
    rid = str(raw.get("id", "?"))
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise _fail(filename, rid, sorted(unknown)[0], "unknown key")
    for key in _REQUIRED_TEXT:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise _fail(filename, rid, key, "missing or empty")
    kind = _enum(filename, rid, "kind", raw.get("kind"), RuleKind)
    if raw["severity"] not in SEVERITIES:
        raise _fail(filename, rid, "severity", f"want one of {SEVERITIES}")
    if raw["confidence"] not in CONFIDENCE_MARKS:
        raise _fail(filename, rid, "confidence", f"want one of {CONFIDENCE_MARKS}")
    types = raw.get("lender_types")
    if not isinstance(types, list) or not types:
        raise _fail(filename, rid, "lender_types", "missing or empty list")
    lender_types = frozenset(_enum(filename, rid, "lender_types", t, LenderType) for t in types)
    start = _date(filename, rid, raw, "effective_from")
    end = _date(filename, rid, raw, "effective_to")
    if start and end and end < start:
        raise _fail(filename, rid, "effective_to", f"{end} is before effective_from {start}")
    for key in ("explanation_zh", "explanation_en"):
        _template_names(filename, rid, key, raw[key])
    rule = LegalRule(
        id=rid,
        kind=kind,
        code=raw["code"],
        lender_types=lender_types,
        effective_from=start,
        effective_to=end,
        severity=raw["severity"],
        confidence=raw["confidence"],
        citation_zh=raw["citation_zh"],
        citation_en=raw["citation_en"],
        source=raw["source"],
        explanation_zh=raw["explanation_zh"],
        explanation_en=raw["explanation_en"],
        regime=str(raw.get("regime", "")),
        cap=_cap(filename, rid, raw, "cap"),
        covers=_enum(filename, rid, "covers", raw.get("covers", "all_in"), Covers),
        line=_rate(filename, rid, raw, "line"),
        split_on=_date(filename, rid, raw, "split_on"),
        then_cap=_cap(filename, rid, raw, "then_cap"),
        limit_months=raw.get("limit_months"),
        when=str(raw.get("when", "always")),
        enabled=raw.get("enabled", True),
        note=str(raw.get("note", "")),
    )
    _check_kind(filename, rule)
    return rule


def _check_kind(filename: str, r: LegalRule) -> None:
    if not isinstance(r.enabled, bool):
        raise _fail(filename, r.id, "enabled", "want true or false")
    if r.kind is RuleKind.CAP:
        if r.cap is None:
            raise _fail(filename, r.id, "cap", "a cap rule needs a cap")
        if not r.regime:
            raise _fail(filename, r.id, "regime", "a cap rule needs a regime")
        if r.confidence == "⚠️":  # unverified facts are advisory, never hard caps
            raise _fail(filename, r.id, "confidence", "a ⚠️ rule cannot be a cap")
        if (r.split_on is None) != (r.then_cap is None):
            raise _fail(filename, r.id, "split_on", "split_on and then_cap go together")
    elif r.cap is not None or r.then_cap is not None:
        raise _fail(filename, r.id, "cap", f"only cap rules have a cap, not {r.kind.value}")
    needs_line = (
        RuleKind.VOID_LINE,
        RuleKind.ADVISORY_LINE,
        RuleKind.OVERDUE_MARKUP,
        RuleKind.DISCLOSURE_GAP,
    )
    if r.kind in needs_line and r.line is None:
        raise _fail(filename, r.id, "line", f"a {r.kind.value} rule needs a line")
    if r.kind is RuleKind.TERM_LIMIT and (
        not isinstance(r.limit_months, int)
        or isinstance(r.limit_months, bool)
        or r.limit_months <= 0
    ):
        raise _fail(filename, r.id, "limit_months", "want a positive whole number")
    if r.kind is RuleKind.NOTE and r.when not in NOTE_WHEN:
        raise _fail(filename, r.id, "when", f"want one of {NOTE_WHEN}")


def _overlap(a: LegalRule, b: LegalRule) -> bool:
    a_end, b_end = a.effective_to or date.max, b.effective_to or date.max
    a_start, b_start = a.effective_from or date.min, b.effective_from or date.min
    return a_start <= b_end and b_start <= a_end


def parse_legal_rules(data: Mapping[str, Any], filename: str = RULES_FILE) -> LegalRules:
    """Validated ``LegalRules``: unique ids, and for each lender type the enabled cap rules'
    contract-date ranges never overlap (so ``select_regime`` finds at most one)."""
    meta = data.get("meta", {})
    disclaimer = meta.get("disclaimer_code") if isinstance(meta, dict) else None
    if not isinstance(disclaimer, str) or not disclaimer:
        raise DataFileError(filename, None, "meta.disclaimer_code missing")
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise DataFileError(filename, None, "no [[rule]] entries")
    rules = tuple(parse_rule(raw, filename) for raw in raw_rules)
    seen: set[str] = set()
    for r in rules:
        if r.id in seen:
            raise _fail(filename, r.id, "id", "duplicate id")
        seen.add(r.id)
    caps = [r for r in rules if r.kind is RuleKind.CAP and r.enabled]
    for i, a in enumerate(caps):
        for b in caps[i + 1 :]:
            shared = a.lender_types & b.lender_types
            if shared and _overlap(a, b):
                kinds = sorted(t.value for t in shared)
                raise _fail(filename, b.id, "effective_from", f"overlaps {a.id!r} for {kinds}")
    return LegalRules(rules, disclaimer)


@lru_cache(maxsize=1)
def load_legal_rules() -> LegalRules:
    """The shipped legal rules."""
    return parse_legal_rules(read_toml(RULES_FILE))
