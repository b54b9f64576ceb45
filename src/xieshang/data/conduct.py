"""Load the collection-conduct rules (``conduct_rules.toml``) as ``ConductRules``.

Every key is checked; a bad file fails loudly with the rule id and key instead of silently
loosening a rule.  A rule with ``enabled = false`` comes back as ``None``.
"""

from __future__ import annotations

import re
from datetime import date, time
from functools import lru_cache
from typing import Any

from xieshang.data import DataFileError, read_toml
from xieshang.domain.conduct import (
    CONDUCT_CONFIDENCE_MARKS,
    CONDUCT_SEVERITIES,
    CallLimit,
    ConductRule,
    ConductRules,
    QuietHours,
    RecordRetention,
)
from xieshang.domain.errors import DomainError

CONDUCT_FILE = "conduct_rules.toml"
_COMMON = ("id", "kind", "severity", "confidence", "source", "citation_zh", "citation_en")
_OPTIONAL = ("enabled", "effective_from")
_KIND_KEYS = {
    "quiet_hours": ("start", "end"),
    "call_limit": ("max_per_day",),
    "third_party": (),
    "record_retention": ("years",),
}
_HH_MM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def _fail(filename: str, rule_id: str, key: str, problem: str) -> DataFileError:
    return DataFileError(filename, None, f"rule {rule_id!r}, key {key!r}: {problem}")


def _text(filename: str, rid: str, raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(filename, rid, key, f"missing or empty text: {value!r}")
    return value


def _clock(filename: str, rid: str, raw: dict[str, Any], key: str) -> time:
    value = _text(filename, rid, raw, key)
    match = _HH_MM.fullmatch(value)
    if match is None:
        raise _fail(filename, rid, key, f"not a time HH:MM: {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


def _count(filename: str, rid: str, raw: dict[str, Any], key: str) -> int:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(filename, rid, key, f"not a whole number ≥ 1: {value!r}")
    return value


def _rule(filename: str, raw: dict[str, Any]) -> tuple[str, bool, ConductRule, dict[str, Any]]:
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid:
        raise DataFileError(filename, None, f"a rule without an id: {raw!r}")
    kind = _text(filename, rid, raw, "kind")
    if kind not in _KIND_KEYS:
        raise _fail(filename, rid, "kind", f"unknown kind {kind!r}")
    unknown = set(raw) - set(_COMMON) - set(_OPTIONAL) - set(_KIND_KEYS[kind])
    if unknown:
        raise _fail(filename, rid, sorted(unknown)[0], "unknown key")
    for key in _COMMON:
        _text(filename, rid, raw, key)
    if raw["severity"] not in CONDUCT_SEVERITIES:
        raise _fail(filename, rid, "severity", f"unknown severity {raw['severity']!r}")
    if raw["confidence"] not in CONDUCT_CONFIDENCE_MARKS:
        raise _fail(filename, rid, "confidence", f"unknown mark {raw['confidence']!r}")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _fail(filename, rid, "enabled", f"not true/false: {enabled!r}")
    published = raw.get("effective_from")
    if published is not None and (not isinstance(published, date) or hasattr(published, "hour")):
        raise _fail(filename, rid, "effective_from", f"not a date: {published!r}")
    rule = ConductRule(
        rid,
        raw["severity"],
        raw["confidence"],
        raw["source"],
        raw["citation_zh"],
        raw["citation_en"],
    )
    return kind, enabled, rule, raw


def parse_conduct_rules(data: dict[str, Any], filename: str = CONDUCT_FILE) -> ConductRules:
    """``ConductRules`` from the parsed TOML; each kind at most once, ids unique."""
    meta = data.get("meta")
    if not isinstance(meta, dict) or meta.get("schema_version") != 1:
        raise DataFileError(filename, None, "meta.schema_version must be 1")
    timezone = meta.get("timezone")
    if not isinstance(timezone, str):
        raise DataFileError(filename, None, "meta.timezone missing")
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise DataFileError(filename, None, "no [[rule]] entries")
    seen_ids: set[str] = set()
    by_kind: dict[str, tuple[ConductRule, dict[str, Any]] | None] = {}
    for raw in raw_rules:
        kind, enabled, rule, fields = _rule(filename, raw)
        if rule.id in seen_ids:
            raise _fail(filename, rule.id, "id", "duplicate id")
        if kind in by_kind:
            raise _fail(filename, rule.id, "kind", f"a second {kind!r} rule")
        seen_ids.add(rule.id)
        by_kind[kind] = (rule, fields) if enabled else None
        if kind == "quiet_hours":
            start, end = (_clock(filename, rule.id, fields, k) for k in ("start", "end"))
            if start == end:
                raise _fail(filename, rule.id, "end", "equals start")
        elif kind == "call_limit":
            _count(filename, rule.id, fields, "max_per_day")
        elif kind == "record_retention":
            _count(filename, rule.id, fields, "years")

    def get(kind: str) -> tuple[ConductRule, dict[str, Any]] | None:
        return by_kind.get(kind)

    quiet = get("quiet_hours")
    calls = get("call_limit")
    third = get("third_party")
    records = get("record_retention")
    try:
        return ConductRules(
            timezone,
            None
            if quiet is None
            else QuietHours(
                quiet[0],
                _clock(filename, quiet[0].id, quiet[1], "start"),
                _clock(filename, quiet[0].id, quiet[1], "end"),
            ),
            None
            if calls is None
            else CallLimit(calls[0], _count(filename, calls[0].id, calls[1], "max_per_day")),
            None if third is None else third[0],
            None
            if records is None
            else RecordRetention(records[0], _count(filename, records[0].id, records[1], "years")),
        )
    except DomainError as exc:
        raise DataFileError(filename, None, f"meta.timezone: {exc.code} {timezone!r}") from None


@lru_cache(maxsize=1)
def load_conduct_rules() -> ConductRules:
    """The shipped collection-conduct rules."""
    return parse_conduct_rules(read_toml(CONDUCT_FILE))
