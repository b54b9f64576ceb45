"""Properties of the evidence log that must hold for any bodies, times and edits."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import (
    MAX_SAFE_INT,
    EntryKind,
    LogEntry,
    append,
    canonical_json,
    parse_log,
    serialise_log,
    verify_chain,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)

keys = st.text(min_size=1, max_size=6)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-MAX_SAFE_INT, max_value=MAX_SAFE_INT),
    st.text(max_size=12).filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s)),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, max_value=10**9),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=8,
)
bodies = st.dictionaries(keys, json_values, max_size=4)
gaps = st.integers(min_value=0, max_value=10**7).map(lambda ms: timedelta(milliseconds=ms))


@st.composite
def chains(draw: Any, min_size: int = 1, max_size: int = 8) -> list[LogEntry]:
    n = draw(st.integers(min_value=min_size, max_value=max_size))
    head: LogEntry | None = None
    at = T0
    out = []
    for _ in range(n):
        at += draw(gaps)
        head = append(
            head,
            case_id="case-1",
            kind=draw(st.sampled_from(list(EntryKind))),
            at=at,
            actor=draw(st.sampled_from(["borrower:1", "org:3", "agent:9"])),
            body=draw(bodies),
        )
        out.append(head)
    return out


@given(json_values)
def test_canonical_json_reads_back_and_is_a_fixed_point(value: Any) -> None:
    text = canonical_json(value)
    again = json.loads(text)
    assert canonical_json(again) == text


@given(st.dictionaries(keys, scalars, min_size=2, max_size=6), st.randoms())
def test_canonical_json_does_not_depend_on_key_order(mapping: dict[str, Any], rnd: Any) -> None:
    items = list(mapping.items())
    rnd.shuffle(items)
    assert canonical_json(dict(items)) == canonical_json(mapping)


@given(json_values, st.floats())
def test_a_float_anywhere_is_refused(value: Any, number: float) -> None:
    with pytest.raises(DomainError) as info:
        canonical_json({"v": value, "x": [number]})
    assert info.value.code == "canonical.float_refused"


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimals_are_written_with_their_exact_value(value: Decimal) -> None:
    assert Decimal(json.loads(canonical_json(value))) == value


@settings(max_examples=60, deadline=None)
@given(chains())
def test_any_appended_chain_verifies_and_round_trips_through_json_lines(
    chain: list[LogEntry],
) -> None:
    report = verify_chain(chain, expected_head=chain[-1].hash)
    assert report.ok
    assert report.length == len(chain)
    assert list(parse_log(serialise_log(chain))) == chain


@settings(max_examples=60, deadline=None)
@given(chains(min_size=2), st.data())
def test_a_body_edit_is_reported_at_the_edited_entry(chain: list[LogEntry], data: Any) -> None:
    k = data.draw(st.integers(min_value=0, max_value=len(chain) - 1))
    new_body = data.draw(
        bodies.filter(lambda b: canonical_json(b) != canonical_json(chain[k].body))
    )
    edited = [*chain[:k], replace(chain[k], body=new_body), *chain[k + 1 :]]
    report = verify_chain(edited)
    assert (report.ok, report.first_bad_seq, report.problem) == (
        False,
        k + 1,
        "evidence.hash_mismatch",
    )
    # Through the JSON lines too: the edited line parses and fails at the same entry.
    assert verify_chain(parse_log(serialise_log(edited))).first_bad_seq == k + 1


@settings(max_examples=60, deadline=None)
@given(chains(min_size=2), st.data())
def test_removing_or_moving_an_entry_is_reported_at_its_position(
    chain: list[LogEntry], data: Any
) -> None:
    k = data.draw(st.integers(min_value=0, max_value=len(chain) - 2))
    removed = chain[:k] + chain[k + 1 :]
    assert verify_chain(removed).first_bad_seq == k + 1
    swapped = [*chain[:k], chain[k + 1], chain[k], *chain[k + 2 :]]
    assert verify_chain(swapped).first_bad_seq == k + 1
    truncated = chain[: k + 1]
    assert not verify_chain(truncated, expected_head=chain[-1].hash).ok
