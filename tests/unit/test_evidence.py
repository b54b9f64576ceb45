"""The evidence log: canonical JSON, the hash chain, strict JSON lines, receipts, and tampering."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import (
    GENESIS,
    EntryKind,
    LogEntry,
    Receipt,
    append,
    canonical_json,
    entry_hash,
    parse_entry,
    parse_log,
    receipt_for,
    receipt_matches,
    receipt_message,
    serialise_entry,
    serialise_log,
    verify_chain,
    verify_receipt,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
KINDS = list(EntryKind)


def code_of(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(DomainError) as info:
        call(*args, **kwargs)
    return info.value.code


def build_chain(n: int, case_id: str = "C-1") -> list[LogEntry]:
    entries: list[LogEntry] = []
    head: LogEntry | None = None
    for i in range(n):
        head = append(
            head,
            case_id=case_id,
            kind=KINDS[i % len(KINDS)],
            at=T0 + timedelta(minutes=7 * i),
            actor="borrower:1" if i % 2 else "org:7",
            body={"n": i, "text": f"第{i}次联系：协商分期", "amount": Decimal(f"{i}.50")},
        )
        entries.append(head)
    return entries


def tamper_detected(data: bytes, head: str) -> bool:
    try:
        entries = parse_log(data)
    except DomainError:
        return True
    return not verify_chain(entries, expected_head=head).ok


# ---------------------------------------------------------------------------------------------
# canonical JSON


def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_chinese_as_utf8() -> None:
    value = {
        "说明": "失业三个月，申请停息挂账",
        "b": [1, None, True, False],
        "a": {"z": 0, "y": -5},
    }
    expected = '{"a":{"y":-5,"z":0},"b":[1,null,true,false],"说明":"失业三个月，申请停息挂账"}'
    assert canonical_json(value) == expected.encode("utf-8")


def test_canonical_json_escapes_only_quotes_backslashes_and_control_characters() -> None:
    value = {"s": 'a"b\\c\n\t\r\b\f\x00\x1f\x7f\u2028é'}
    expected = '{"s":"a\\"b\\\\c\\n\\t\\r\\b\\f\\u0000\\u001f\x7f\u2028é"}'
    assert canonical_json(value) == expected.encode("utf-8")


def test_canonical_json_writes_decimals_as_positional_strings_and_times_in_utc() -> None:
    beijing = timezone(timedelta(hours=8))
    value = {
        "amount": Decimal("1234.50"),
        "big": Decimal("1E+3"),
        "rate": Decimal("0.0005"),
        "day": date(2026, 2, 28),
        "at": datetime(2026, 3, 1, 16, 0, 0, 5, tzinfo=beijing),
    }
    assert canonical_json(value) == (
        b'{"amount":"1234.50","at":"2026-03-01T08:00:00.000005+00:00","big":"1000",'
        b'"day":"2026-02-28","rate":"0.0005"}'
    )


def test_canonical_json_is_the_same_for_the_same_instant_in_any_timezone() -> None:
    beijing = timezone(timedelta(hours=8))
    assert canonical_json([T0]) == canonical_json([T0.astimezone(beijing)])


def test_canonical_json_accepts_tuples_as_arrays_and_key_order_does_not_matter() -> None:
    assert canonical_json({"b": (1, 2), "a": 1}) == canonical_json({"a": 1, "b": [1, 2]})


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (0.1, "canonical.float_refused"),
        ({"a": [1.0]}, "canonical.float_refused"),
        (float("nan"), "canonical.float_refused"),
        (float("inf"), "canonical.float_refused"),
        (Decimal("NaN"), "canonical.not_finite"),
        (Decimal("-Infinity"), "canonical.not_finite"),
        (datetime(2026, 3, 1), "canonical.naive_datetime"),
        ({1: "a"}, "canonical.key_not_string"),
        ({("a",): 1}, "canonical.key_not_string"),
        ({"s": {1, 2}}, "canonical.unsupported_type"),
        (b"bytes", "canonical.unsupported_type"),
        (object(), "canonical.unsupported_type"),
        (2**53, "canonical.int_out_of_range"),
        (-(2**53), "canonical.int_out_of_range"),
        ("\ud800", "canonical.bad_string"),
    ],
)
def test_canonical_json_refuses_what_the_format_cannot_carry(value: object, code: str) -> None:
    assert code_of(canonical_json, value) == code


def test_canonical_json_names_the_path_of_the_refused_value() -> None:
    with pytest.raises(DomainError) as info:
        canonical_json({"plan": [{"rate": 0.18}]})
    assert info.value.field == "$.plan[0].rate"


def test_canonical_json_refuses_nesting_deeper_than_the_limit() -> None:
    deep: Any = 1
    for _ in range(40):
        deep = [deep]
    assert code_of(canonical_json, deep) == "canonical.too_deep"


def test_the_largest_safe_integers_are_allowed() -> None:
    assert canonical_json([2**53 - 1, -(2**53 - 1)]) == b"[9007199254740991,-9007199254740991]"


# ---------------------------------------------------------------------------------------------
# the published entry format


def test_an_entry_hash_is_sha256_of_a_hand_written_canonical_line() -> None:
    # Written out by hand: the public format, which must never drift.
    content = (
        '{"actor":"borrower:1","at":"2026-03-01T08:00:00.000000+00:00",'
        '"body":{"amount_fen":120000,"text":"您好，申请协商还款"},"case_id":"C-1",'
        '"kind":"message","prev_hash":"' + "0" * 64 + '","seq":1,"v":1}'
    )
    expected = hashlib.sha256(content.encode("utf-8")).hexdigest()
    body = {"text": "您好，申请协商还款", "amount_fen": 120000}
    assert entry_hash("C-1", 1, "message", T0, "borrower:1", body, GENESIS) == expected
    assert expected == "c1aef51f948c7eb0ab846f00cd05a96cf8195258852c9319a059fab71ec109cf"
    entry = append(None, case_id="C-1", kind="message", at=T0, actor="borrower:1", body=body)
    line = content[:-1].replace('"kind"', f'"hash":"{expected}","kind"') + "}\n"
    assert serialise_entry(entry) == line.encode("utf-8")


def test_the_first_entry_links_to_genesis_and_each_next_one_to_its_predecessor() -> None:
    chain = build_chain(3)
    assert [e.seq for e in chain] == [1, 2, 3]
    assert chain[0].prev_hash == GENESIS == "0" * 64
    assert chain[1].prev_hash == chain[0].hash
    assert chain[2].prev_hash == chain[1].hash


def test_entries_keep_their_body_as_read_only_canonical_data() -> None:
    entry = build_chain(1)[0]
    assert entry.body["amount"] == "0.50"
    with pytest.raises(TypeError):
        entry.body["n"] = 5  # type: ignore[index]
    nested = append(None, case_id="C", kind="offer", at=T0, actor="a", body={"rows": [{"n": 1}]})
    assert nested.body["rows"] == ({"n": 1},)


def test_entry_times_are_held_in_utc() -> None:
    beijing = timezone(timedelta(hours=8))
    entry = append(None, case_id="C", kind="message", at=T0.astimezone(beijing), actor="a", body={})
    assert entry.at.tzinfo is UTC
    assert entry.at == T0


def test_append_refuses_another_case_an_earlier_time_an_unknown_kind_and_a_naive_time() -> None:
    head = build_chain(1)[0]
    common: dict[str, Any] = {"kind": "message", "actor": "a", "body": {}}
    assert code_of(append, head, case_id="C-2", at=T0, **common) == "evidence.case_mismatch"
    earlier = T0 - timedelta(microseconds=1)
    assert code_of(append, head, case_id="C-1", at=earlier, **common) == "evidence.time_reversed"
    naive = datetime(2026, 3, 2)
    assert code_of(append, head, case_id="C-1", at=naive, **common) == "evidence.naive_time"
    assert (
        code_of(append, head, case_id="C-1", kind="gossip", at=T0, actor="a", body={})
        == "evidence.unknown_kind"
    )
    assert append(head, case_id="C-1", at=T0, **common).seq == 2  # the same instant is fine


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"seq": 0}, "evidence.bad_seq"),
        ({"seq": True}, "evidence.bad_seq"),
        ({"case_id": " "}, "evidence.bad_case_id"),
        ({"kind": "Message"}, "evidence.bad_kind"),
        ({"actor": ""}, "evidence.bad_actor"),
        ({"body": [1]}, "evidence.bad_body"),
        ({"body": {"x": 0.5}}, "canonical.float_refused"),
        ({"prev_hash": "ab"}, "evidence.bad_hash"),
        ({"hash": "F" * 64}, "evidence.bad_hash"),
        ({"at": "2026-03-01"}, "evidence.bad_time"),
        ({"at": datetime(2026, 3, 1)}, "evidence.naive_time"),
    ],
)
def test_log_entries_refuse_malformed_fields(change: dict[str, Any], code: str) -> None:
    entry = build_chain(1)[0]
    assert code_of(replace, entry, **change) == code


# ---------------------------------------------------------------------------------------------
# verification


def test_a_200_entry_chain_verifies_and_reports_its_head() -> None:
    chain = build_chain(200)
    report = verify_chain(chain, expected_head=chain[-1].hash)
    assert report.ok
    assert (report.first_bad_seq, report.problem) == (None, None)
    assert (report.length, report.head) == (200, chain[-1].hash)


def test_an_empty_log_verifies_with_the_genesis_head() -> None:
    assert verify_chain([]).ok
    assert verify_chain([]).head == GENESIS
    assert verify_chain([], expected_head="1" * 64).problem == "evidence.head_mismatch"


def test_verification_names_an_edited_body_with_its_seq() -> None:
    chain = build_chain(10)
    chain[6] = replace(chain[6], body={"n": 6, "text": "篡改"})
    report = verify_chain(chain)
    assert (report.ok, report.first_bad_seq, report.problem) == (
        False,
        7,
        "evidence.hash_mismatch",
    )


def test_verification_names_a_recomputed_hash_by_the_broken_link_after_it() -> None:
    chain = build_chain(10)
    edited = replace(chain[3], actor="someone else")
    chain[3] = replace(edited, hash=entry_hash_of(edited))
    report = verify_chain(chain)
    assert (report.first_bad_seq, report.problem) == (5, "evidence.broken_link")


def entry_hash_of(e: LogEntry) -> str:
    return entry_hash(e.case_id, e.seq, e.kind, e.at, e.actor, e.body, e.prev_hash)


def test_verification_finds_gaps_swaps_case_changes_and_reversed_times() -> None:
    chain = build_chain(6)
    assert verify_chain(chain[:2] + chain[3:]).first_bad_seq == 3
    assert verify_chain(chain[:2] + chain[3:]).problem == "evidence.seq_mismatch"
    swapped = [chain[0], chain[2], chain[1], *chain[3:]]
    assert (verify_chain(swapped).first_bad_seq, verify_chain(swapped).problem) == (
        2,
        "evidence.seq_mismatch",
    )
    other = append(
        chain[2], case_id="C-1", kind="message", at=T0 + timedelta(days=1), actor="a", body={}
    )
    moved = replace(other, case_id="C-9")
    moved = replace(moved, hash=entry_hash_of(moved))
    assert verify_chain([*chain[:3], moved]).problem == "evidence.case_mismatch"
    back = replace(other, at=T0)
    back = replace(back, hash=entry_hash_of(back))
    report = verify_chain([*chain[:3], back])
    assert (report.first_bad_seq, report.problem) == (4, "evidence.time_reversed")


def test_a_truncated_log_is_caught_by_the_receipted_head_only() -> None:
    chain = build_chain(5)
    assert verify_chain(chain[:3]).ok
    report = verify_chain(chain[:3], expected_head=chain[-1].hash)
    assert (report.ok, report.first_bad_seq, report.problem) == (
        False,
        None,
        "evidence.head_mismatch",
    )
    assert report.head == chain[2].hash


# ---------------------------------------------------------------------------------------------
# JSON lines


def test_a_log_round_trips_through_json_lines() -> None:
    chain = build_chain(12)
    data = serialise_log(chain)
    assert data.count(b"\n") == 12
    assert list(parse_log(data)) == chain
    assert parse_log(b"") == ()


def line_of(entry: LogEntry) -> bytes:
    return serialise_entry(entry)[:-1]


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (lambda s: s[:10] + b"\xff" + s[11:], "evidence.line_not_utf8"),
        (lambda s: s[:-1], "evidence.line_not_json"),
        (lambda s: b"[" + s + b"]", "evidence.line_not_object"),
        (lambda s: s.replace(b'"seq":1,', b'"seq":1,"seq":1,'), "evidence.duplicate_key"),
        (lambda s: s.replace(b'"actor":"org:7",', b""), "evidence.missing_field"),
        (lambda s: s.replace(b'"v":1', b'"v":1,"x":1'), "evidence.unknown_field"),
        (lambda s: s.replace(b'"v":1', b'"v":2'), "evidence.bad_version"),
        (lambda s: s.replace(b'"v":1', b'"v":true'), "evidence.bad_version"),
        (lambda s: s.replace(b'"n":0', b'"n":0.0'), "canonical.float_refused"),
        (lambda s: s.replace(b'"n":0', b'"n":NaN'), "canonical.not_finite"),
        (lambda s: s.replace(b'"n":0', b'"n":9007199254740992'), "canonical.int_out_of_range"),
        (lambda s: s.replace(b'"seq":1', b'"seq":"1"'), "evidence.bad_seq"),
        (lambda s: s.replace(b'"seq":1', b'"seq":1 '), "evidence.line_not_canonical"),
        (lambda s: s.replace(b'{"actor"', b'{ "actor"'), "evidence.line_not_canonical"),
        (lambda s: s.replace("第".encode(), b"\\u7b2c"), "evidence.line_not_canonical"),
        (lambda s: s.replace(b'"n":0', b'"n":-0'), "evidence.line_not_canonical"),
        (lambda s: s.replace(b"+00:00", b"+08:00"), "evidence.line_not_canonical"),
        (lambda s: s.replace(b".000000+00:00", b"+00:00"), "evidence.line_not_canonical"),
        (lambda s: s.replace(b"+00:00", b""), "evidence.naive_time"),
        (lambda s: s.replace(b"2026-03-01T", b"2026-13-01T"), "evidence.bad_time"),
        (lambda s: s.replace(b'"prev_hash":"0', b'"prev_hash":"g'), "evidence.bad_hash"),
        (lambda s: s.replace(b'"kind":"message"', b'"kind":"Message"'), "evidence.bad_kind"),
        (
            lambda s: s.replace(b'"body":{', b'"body":{"d":' + b"[" * 40 + b"]" * 40 + b","),
            "canonical.too_deep",
        ),
    ],
)
def test_parsing_refuses_malformed_lines_with_a_precise_code(edit: Any, code: str) -> None:
    line = line_of(build_chain(1)[0])
    bad = edit(line)
    assert bad != line
    assert code_of(parse_entry, bad) == code


def test_parsing_a_log_names_the_bad_line_and_refuses_missing_or_empty_lines() -> None:
    data = serialise_log(build_chain(3))
    lines = data.split(b"\n")
    broken = b"\n".join([lines[0], lines[1].replace(b'"v":1', b'"v":3'), *lines[2:]])
    with pytest.raises(DomainError) as info:
        parse_log(broken)
    assert (info.value.code, info.value.params["line"]) == ("evidence.bad_version", 2)
    assert code_of(parse_log, data[:-1]) == "evidence.log_no_final_newline"
    assert code_of(parse_log, data + b"\n") == "evidence.empty_line"


def spliced_detected(lines: list[bytes], entries: list[LogEntry], k: int, line: bytes) -> bool:
    """Detection of ``line`` put in place of line ``k``, checked where it can first fail.

    ``parse_log`` parses each line on its own, so a changed line (or two lines merged by a
    changed newline) that fails alone fails in the whole log; a line that parses is spliced into
    the parsed log and the chain is verified up to the entry after it — ``verify_chain`` stops
    at the first failing entry, so a failure there is the whole log's failure.
    ``test_the_spliced_check_agrees_with_the_whole_log_check`` cross-checks this on a sample.
    """
    merged = line.endswith(b"\n") is False and k + 1 < len(lines)
    segment = line + lines[k + 1] if merged else line
    try:
        parsed = parse_log(segment)
    except DomainError:
        return True
    rest = entries[k + 2 :] if merged else entries[k + 1 :]
    spliced = [*entries[:k], *parsed, *rest]
    return not verify_chain(spliced[: k + len(parsed) + 1]).ok


def single_byte_changes(line: bytes) -> list[tuple[int, bytes]]:
    # Every position, each with a bit flip in the low, case and high bits and the bytes that
    # most often keep JSON well-formed: a hex digit, a quote and a newline.
    changes = []
    for j, old in enumerate(line):
        candidates = {old ^ 0x01, old ^ 0x20, old ^ 0x80, ord("0"), ord('"'), ord("\n")} - {old}
        changes += [(j, bytes([new])) for new in sorted(candidates)]
    return changes


def test_every_single_byte_change_of_a_30_entry_log_is_detected() -> None:
    chain = build_chain(30)
    lines = serialise_log(chain).splitlines(keepends=True)
    count = 0
    for k, line in enumerate(lines):
        for j, new in single_byte_changes(line):
            changed = line[:j] + new + line[j + 1 :]
            assert spliced_detected(lines, chain, k, changed), (k, j, new)
            count += 1
    assert count > 5 * sum(map(len, lines))


def test_the_spliced_check_agrees_with_the_whole_log_check() -> None:
    chain = build_chain(30)
    lines = serialise_log(chain).splitlines(keepends=True)
    head = chain[-1].hash
    for k in (0, 13, 29):
        for j, new in single_byte_changes(lines[k])[::7]:
            changed = lines[k][:j] + new + lines[k][j + 1 :]
            whole = b"".join([*lines[:k], changed, *lines[k + 1 :]])
            assert tamper_detected(whole, head)
            assert spliced_detected(lines, chain, k, changed)


def test_every_value_of_every_byte_of_one_line_is_detected() -> None:
    chain = build_chain(30)
    lines = serialise_log(chain).splitlines(keepends=True)
    k = 17
    for j, old in enumerate(lines[k]):
        for new in range(256):
            if new != old:
                changed = lines[k][:j] + bytes([new]) + lines[k][j + 1 :]
                assert spliced_detected(lines, chain, k, changed), (j, new)


def test_every_deletion_swap_insertion_and_truncation_of_a_30_entry_log_is_detected() -> None:
    chain = build_chain(30)
    lines = serialise_log(chain).splitlines(keepends=True)
    data = b"".join(lines)
    head = chain[-1].hash
    for i in range(30):
        assert tamper_detected(b"".join(lines[:i] + lines[i + 1 :]), head), ("delete", i)
    for i in range(29):
        swapped = [*lines[:i], lines[i + 1], lines[i], *lines[i + 2 :]]
        assert tamper_detected(b"".join(swapped), head), ("swap", i)
    for source in range(30):
        for at in range(31):
            inserted = [*lines[:at], lines[source], *lines[at:]]
            assert tamper_detected(b"".join(inserted), head), ("insert", source, at)
    for length in range(len(data)):
        assert tamper_detected(data[:length], head), ("truncate", length)


def test_a_body_edit_in_the_json_lines_is_reported_at_its_own_seq() -> None:
    chain = build_chain(30)
    lines = serialise_log(chain).splitlines(keepends=True)
    for k in range(30):
        edited = lines[k].replace(f'"n":{k},'.encode(), f'"n":{k + 100},'.encode())
        assert edited != lines[k]
        report = verify_chain(parse_log(b"".join([*lines[:k], edited, *lines[k + 1 :]])))
        assert (report.first_bad_seq, report.problem) == (k + 1, "evidence.hash_mismatch")


# ---------------------------------------------------------------------------------------------
# receipts


def test_a_receipt_message_is_tagged_canonical_json_of_the_head() -> None:
    chain = build_chain(4)
    receipt = receipt_for(chain, T0 + timedelta(days=1))
    assert receipt == Receipt("C-1", 4, chain[-1].hash, T0 + timedelta(days=1))
    assert receipt_message(receipt) == (
        b'{"at":"2026-03-02T08:00:00.000000+00:00","case_id":"C-1","head":"'
        + chain[-1].hash.encode()
        + b'","seq":4,"type":"xieshang-evidence-receipt","v":1}'
    )


def test_an_ed25519_signed_receipt_verifies_and_an_altered_one_does_not() -> None:
    key = Ed25519PrivateKey.generate()
    public = key.public_key()

    def verify(message: bytes, signature: bytes) -> bool:
        try:
            public.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    chain = build_chain(5)
    receipt = receipt_for(chain, T0 + timedelta(hours=2))
    signature = key.sign(receipt_message(receipt))
    assert verify_receipt(receipt, signature, verify)
    assert not verify_receipt(replace(receipt, seq=4), signature, verify)
    assert not verify_receipt(replace(receipt, head=chain[3].hash), signature, verify)
    # Flip a bit: overwriting the last byte with 0 is no change ~1 time in 16 (it is the top
    # byte of a scalar below the group order, often zero already).
    assert not verify_receipt(receipt, signature[:-1] + bytes([signature[-1] ^ 0x01]), verify)


def test_a_receipt_matches_the_log_it_was_taken_from_and_that_log_grown() -> None:
    chain = build_chain(8)
    receipt = receipt_for(chain[:5], T0)
    assert receipt_matches(chain[:5], receipt)
    assert receipt_matches(chain, receipt)
    assert not receipt_matches(chain[:4], receipt)
    assert not receipt_matches(build_chain(8, case_id="C-2"), receipt)
    assert receipt_matches([], Receipt("C-1", 0, GENESIS, T0))


def test_receipts_refuse_malformed_fields_and_an_empty_log() -> None:
    assert code_of(Receipt, "C", -1, GENESIS, T0) == "evidence.bad_seq"
    assert code_of(Receipt, "C", 1, "xyz", T0) == "evidence.bad_hash"
    assert code_of(Receipt, "", 1, GENESIS, T0) == "evidence.bad_case_id"
    assert code_of(Receipt, "C", 1, GENESIS, datetime(2026, 1, 1)) == "evidence.naive_time"
    assert code_of(receipt_for, [], T0) == "evidence.empty_log"
