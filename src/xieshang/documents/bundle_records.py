"""The checks of an evidence bundle's records: the log, the checkpoints and receipts, the
payments; and, for a log that differs from the signed one, where it first goes wrong."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime

from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import (
    GENESIS,
    LogEntry,
    Receipt,
    canonical_json,
    parse_entry,
    parse_log,
    receipt_matches,
    verify_chain,
    verify_receipt,
)

from .bundle_format import (
    EVENT_HASH,
    LOG,
    PAYMENTS,
    RECEIPT_FIELDS,
    parse_json_object,
    payment_events,
    payment_problem,
    receipt_record,
)
from .bundle_report import BundleFailure, fail, failure

Verifier = Callable[[bytes, bytes], bool]
_HASH_PAIR = b',"hash":"'


def locate_log_damage(log: bytes, head: str) -> BundleFailure:
    """Where a log that differs from the signed one first goes wrong.

    Its digest already proves the change; this finds the first line whose stored hash is not
    the SHA-256 of the rest of the line, or that does not link to the line before, reading the
    hashes straight off the canonical lines (several times faster than parsing every entry,
    which matters when a tamper test does this for every byte), and asks the domain's strict
    parser for the reason.  A log whose lines all hold but that ends elsewhere was truncated
    or extended: ``bundle.log_head_mismatch``.
    """
    lines = log.split(b"\n")
    rest = lines.pop()  # b"" when the log ends with a newline
    previous = GENESIS.encode("ascii")
    sha256 = hashlib.sha256
    for number, line in enumerate(lines, start=1):
        # In a canonical line the entry's own ``,"hash":"<64 hex>"`` is the last one, and the
        # hashed content is the line without it (the record's keys are sorted, v1 format).
        content, pair, tail = line.rpartition(_HASH_PAIR)
        stored = tail[:64]
        if (
            not pair
            or tail[64:65] != b'"'
            or sha256(content + tail[65:]).hexdigest().encode("ascii") != stored
            or b'"prev_hash":"' + previous + b'"' not in tail
        ):
            reason = _entry_reason(line, number, previous.decode("ascii"))
            return failure(LOG, "bundle.log_entry_invalid", number, reason=reason)
        previous = stored
    if rest:
        reason = "evidence.log_no_final_newline"
        return failure(LOG, "bundle.log_entry_invalid", len(lines) + 1, reason=reason)
    if previous.decode("ascii") != head:
        return failure(LOG, "bundle.log_head_mismatch")
    return failure(LOG, "bundle.member_changed")


def _entry_reason(line: bytes, number: int, previous: str) -> str:
    try:
        entry = parse_entry(line)
    except DomainError as exc:
        return exc.code
    if entry.seq != number:
        return "evidence.seq_mismatch"
    if entry.prev_hash != previous:
        return "evidence.broken_link"
    return "evidence.hash_mismatch"


def check_log(data: bytes, *, case_id: str, head: str, events: int) -> tuple[LogEntry, ...]:
    """The entries of ``log.jsonl``, parsed strictly and verified as a chain ending at ``head``
    after ``events`` entries, all of case ``case_id``."""
    try:
        entries = parse_log(data)
    except DomainError as exc:
        line = exc.params.get("line")
        raise fail(
            LOG,
            "bundle.log_entry_invalid",
            line if isinstance(line, int) else None,
            reason=exc.code,
        ) from None
    chain = verify_chain(entries, expected_head=head)
    if not chain.ok:
        if chain.first_bad_seq is not None:
            reason = chain.problem or "evidence.hash_mismatch"
            raise fail(LOG, "bundle.log_entry_invalid", chain.first_bad_seq, reason=reason)
        raise fail(LOG, "bundle.log_head_mismatch")
    if len(entries) != events:
        raise fail(LOG, "bundle.log_length", events=len(entries), expected=events)
    if entries and entries[0].case_id != case_id:
        raise fail(LOG, "bundle.log_other_case", 1)
    return entries


def _lines(name: str, data: bytes) -> list[bytes]:
    if not data:
        return []
    lines = data.split(b"\n")
    if lines.pop() != b"":
        raise fail(name, "bundle.line_invalid", len(lines) + 1)
    for number, line in enumerate(lines, start=1):
        if not line:
            raise fail(name, "bundle.line_invalid", number)
    return lines


def _receipt(line: bytes) -> tuple[Receipt, bytes] | None:
    record = parse_json_object(line)
    if record is None or set(record) != set(RECEIPT_FIELDS):
        return None
    try:
        at = datetime.fromisoformat(record["at"])
        receipt = Receipt(record["case_id"], record["seq"], record["head"], at)
        signature = base64.b64decode(record["signature"], validate=True)
    except (DomainError, ValueError, TypeError):
        return None
    if canonical_json(receipt_record(receipt, signature)) != line:
        return None
    return receipt, signature


def check_receipts(
    name: str, data: bytes, entries: Sequence[LogEntry], case_id: str, verify: Verifier
) -> int:
    """Check every line of ``checkpoints.jsonl`` or ``receipts.jsonl``; the number of lines."""
    lines = _lines(name, data)
    for number, line in enumerate(lines, start=1):
        parsed = _receipt(line)
        if parsed is None:
            raise fail(name, "bundle.line_invalid", number)
        receipt, signature = parsed
        if receipt.case_id != case_id:
            raise fail(name, "bundle.receipt_other_case", number)
        if not verify_receipt(receipt, signature, verify):
            raise fail(name, "bundle.receipt_signature", number)
        if not receipt_matches(entries, receipt):
            raise fail(name, "bundle.receipt_not_in_log", number, seq=receipt.seq)
    return len(lines)


def check_payments(data: bytes, entries: Sequence[LogEntry]) -> int:
    """Check every line of ``payments.jsonl`` against the log; the number of lines."""
    events = payment_events(entries)
    seen: set[str] = set()
    lines = _lines(PAYMENTS, data)
    for number, line in enumerate(lines, start=1):
        record = parse_json_object(line)
        if record is None:
            raise fail(PAYMENTS, "bundle.line_invalid", number)
        problem = payment_problem(record, events)
        if problem is not None:
            raise fail(PAYMENTS, problem, number)
        if record[EVENT_HASH] in seen:
            raise fail(PAYMENTS, "bundle.payment_duplicate", number)
        seen.add(record[EVENT_HASH])
    missing = sorted(e.seq for h, e in events.items() if h not in seen)
    if missing:  # a payment the log records was left out of the file
        raise fail(PAYMENTS, "bundle.payment_missing", seq=missing[0])
    return len(lines)
