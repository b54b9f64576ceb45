"""The tamper-evident case log: canonical JSON, hash-chained entries, receipts.

Every event of a negotiation case is appended to the case's log as a :class:`LogEntry`.  Each
entry's ``hash`` is the SHA-256 of its canonical content *including the previous entry's hash*,
so changing, removing, reordering or inserting anything breaks the chain from that point on, and
:func:`verify_chain` names the first entry that fails.  A signed :class:`Receipt` of the head hash
pins the whole history: a truncated log no longer ends at the receipted head.

This module is a **public format**: exported bundles must verify offline years later, with
another program if need be.  The rules below are therefore normative.

Canonical JSON (:func:`canonical_json`), format version 1
---------------------------------------------------------
* Output is UTF-8 JSON with no whitespace outside strings (separators ``,`` and ``:``).
* ``None`` → ``null``; ``True``/``False`` → ``true``/``false``.
* Integers → decimal digits, optional ``-``, no leading zeros; only within the interoperable range
  ±(2**53 − 1), so any JSON reader restores them exactly.
* ``decimal.Decimal`` → a JSON *string* in positional notation (``format(d, "f")``: no exponent,
  trailing zeros kept, so ``Decimal("1.10")`` → ``"1.10"``); NaN and infinities are refused.
* ``datetime`` (aware only) → a string, converted to UTC, always with microseconds and the offset
  written out: ``"2026-03-01T08:00:00.000000+00:00"``.  ``date`` → ``"2026-03-01"``.
* ``str`` → a JSON string, characters as themselves (no ``\\uXXXX`` for non-ASCII); escaped
  are only ``"`` → ``\\"``, ``\\`` → ``\\\\``, the controls ``\\b \\f \\n \\r \\t`` by those
  letters and the other controls U+0000–U+001F as ``\\u00xx`` (lower-case hex).  No Unicode
  normalisation is applied; strings that are not encodable as UTF-8 (lone surrogates) are refused.
* Mappings → objects with string keys sorted by code point; lists and tuples → arrays.
* Refused: ``float`` (money is never a float, and float text is not portable), non-string keys,
  nesting deeper than 32 levels, and every other type.

Entries, version 1
------------------
``entry_hash`` is the lower-case hex SHA-256 of the canonical JSON of the object
``{"v": 1, "case_id", "seq", "kind", "at", "actor", "body", "prev_hash"}``; the first entry's
``prev_hash`` is :data:`GENESIS` (64 zeros).  A JSON-lines log holds one entry per line: the
canonical JSON of that object plus ``"hash"``, each line ending in ``\\n``.  A line that is valid
JSON but not byte-for-byte canonical is refused, so no byte can change unnoticed.

>>> from datetime import UTC, datetime
>>> t = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
>>> e1 = append(None, case_id="C1", kind="message", at=t, actor="u1", body={"text": "您好"})
>>> e2 = append(e1, case_id="C1", kind="offer", at=t, actor="org7", body={"months": 24})
>>> e2.prev_hash == e1.hash, verify_chain([e1, e2]).ok
(True, True)
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from xieshang.domain.errors import DomainError

FORMAT_VERSION = 1
GENESIS = "0" * 64
MAX_SAFE_INT = 2**53 - 1
MAX_DEPTH = 32
RECEIPT_TYPE = "xieshang-evidence-receipt"

_HEX64 = re.compile(r"[0-9a-f]{64}")
_KIND = re.compile(r"[a-z][a-z0-9_]{0,39}")
_ENTRY_FIELDS = frozenset(
    {"v", "case_id", "seq", "kind", "at", "actor", "body", "prev_hash", "hash"}
)


class EntryKind(StrEnum):
    """The kinds of event a producer may append (readers accept any well-formed kind)."""

    MESSAGE = "message"
    CALL_NOTE = "call_note"
    COLLECTION_CONTACT = "collection_contact"
    OFFER = "offer"
    COUNTER_OFFER = "counter_offer"
    ACCEPTANCE = "acceptance"
    REFUSAL = "refusal"
    DOCUMENT = "document"
    AGREEMENT = "agreement"
    SIGNATURE = "signature"
    PAYMENT = "payment"
    STATE_CHANGE = "state_change"
    CHECKPOINT = "checkpoint"


_PRODUCER_KINDS = frozenset(kind.value for kind in EntryKind)
# One encoder for every call: the escaping rules of the format are exactly this encoder's.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)

# ---------------------------------------------------------------------------------------------
# canonical JSON


def _utc_text(value: datetime, path: str) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise DomainError("canonical.naive_datetime", field=path)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _plain_str(value: str, path: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise DomainError("canonical.bad_string", field=path) from None
    return value


def _plain_mapping(value: Mapping[Any, Any], path: str, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise DomainError("canonical.key_not_string", field=path, key=repr(key))
        out[key] = _plain(item, f"{path}.{key}", depth + 1)
    return out


def _plain(value: object, path: str, depth: int) -> Any:
    """``value`` as a tree of dict/list/str/int/bool/None, refusing what the format refuses."""
    if depth > MAX_DEPTH:
        raise DomainError("canonical.too_deep", field=path, limit=MAX_DEPTH)
    kind = type(value)
    if kind is str:  # fast paths for the common exact types; subclasses take the long way
        return _plain_str(value, path)  # type: ignore[arg-type]
    if kind is dict or kind is MappingProxyType:
        return _plain_mapping(value, path, depth)  # type: ignore[arg-type]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
            return value
        raise DomainError("canonical.int_out_of_range", field=path, value=str(value))
    if isinstance(value, float):  # checked before anything else numeric: NaN is a float too
        raise DomainError("canonical.float_refused", field=path, value=repr(value))
    if isinstance(value, str):
        return _plain_str(value, path)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise DomainError("canonical.not_finite", field=path, value=str(value))
        return format(value, "f")
    if isinstance(value, datetime):  # before date: a datetime is a date
        return _utc_text(value, path)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return _plain_mapping(value, path, depth)
    if isinstance(value, list | tuple):
        return [_plain(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
    raise DomainError("canonical.unsupported_type", field=path, type=type(value).__name__)


def canonical_json(value: object) -> bytes:
    """The canonical UTF-8 JSON bytes of ``value`` (rules in the module docstring).

    >>> from decimal import Decimal
    >>> canonical_json({"b": [1, True, None], "a": "还款 24 期", "x": Decimal("1.10")}).decode()
    '{"a":"还款 24 期","b":[1,true,null],"x":"1.10"}'
    >>> canonical_json({"rate": 0.18})
    Traceback (most recent call last):
    ...
    xieshang.domain.errors.DomainError: canonical.float_refused [$.rate]: value=0.18
    """
    return _ENCODER.encode(_plain(value, "$", 0)).encode("utf-8")


def _frozen(tree: Any) -> Any:
    """A plain JSON tree made immutable: objects → read-only mappings, arrays → tuples."""
    if isinstance(tree, dict):
        return MappingProxyType({k: _frozen(v) for k, v in tree.items()})
    if isinstance(tree, list):
        return tuple(_frozen(v) for v in tree)
    return tree


# ---------------------------------------------------------------------------------------------
# entries


def _check_hex(value: object, name: str) -> str:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise DomainError("evidence.bad_hash", field=name)
    return value


def _check_text(value: object, name: str, code: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DomainError(code, field=name)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise DomainError(code, field=name) from None
    return value


def _check_time(value: object) -> datetime:
    if not isinstance(value, datetime):
        raise DomainError("evidence.bad_time", field="at")
    if value.tzinfo is None or value.utcoffset() is None:
        raise DomainError("evidence.naive_time", field="at")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One event of a case log.  ``body`` is kept as its canonical JSON data, read-only.

    Construction checks the shape of every field, never the hashes: :func:`verify_chain` does.
    Decimals, dates and datetimes in ``body`` become their canonical strings.
    """

    seq: int
    case_id: str
    kind: str
    at: datetime
    actor: str
    body: Mapping[str, Any] = field(repr=False)
    prev_hash: str
    hash: str

    def __post_init__(self) -> None:
        if type(self.seq) is not int or not 1 <= self.seq <= MAX_SAFE_INT:
            raise DomainError("evidence.bad_seq", field="seq")
        _check_text(self.case_id, "case_id", "evidence.bad_case_id")
        if not isinstance(self.kind, str) or not _KIND.fullmatch(self.kind):
            raise DomainError("evidence.bad_kind", field="kind")
        object.__setattr__(self, "kind", str(self.kind))  # a plain str, not the enum member
        object.__setattr__(self, "at", _check_time(self.at))
        _check_text(self.actor, "actor", "evidence.bad_actor")
        if not isinstance(self.body, Mapping):
            raise DomainError("evidence.bad_body", field="body")
        object.__setattr__(self, "body", _frozen(_plain(self.body, "body", 0)))
        _check_hex(self.prev_hash, "prev_hash")
        _check_hex(self.hash, "hash")


def _content(
    *, case_id: str, seq: int, kind: str, at: datetime, actor: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "v": FORMAT_VERSION,
        "case_id": case_id,
        "seq": seq,
        "kind": str(kind),
        "at": at,
        "actor": actor,
        "body": body,
    }


def entry_hash(  # noqa: PLR0917 - the published signature, one argument per hashed field
    case_id: str,
    seq: int,
    kind: str,
    at: datetime,
    actor: str,
    body: Mapping[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 hex of the canonical JSON of the entry's content, its previous hash and ``v``.

    >>> from datetime import UTC, datetime
    >>> at = datetime(2026, 3, 1, tzinfo=UTC)
    >>> h = entry_hash("C1", 1, "message", at, "u1", {"text": "你好"}, GENESIS)
    >>> len(h), h == entry_hash("C1", 1, "message", at, "u1", {"text": "你好!"}, GENESIS)
    (64, False)
    """
    content = _content(case_id=case_id, seq=seq, kind=kind, at=at, actor=actor, body=body)
    content["prev_hash"] = prev_hash
    return hashlib.sha256(canonical_json(content)).hexdigest()


def _recomputed(entry: LogEntry) -> str:
    return entry_hash(
        entry.case_id, entry.seq, entry.kind, entry.at, entry.actor, entry.body, entry.prev_hash
    )


def append(
    chain_head: LogEntry | None,
    *,
    case_id: str,
    kind: EntryKind | str,
    at: datetime,
    actor: str,
    body: Mapping[str, Any],
) -> LogEntry:
    """The entry that follows ``chain_head`` (``None`` for a new log), with its hashes.

    Refuses a kind outside :class:`EntryKind`, another case's head, and a time before the head's.

    >>> from datetime import UTC, datetime, timedelta
    >>> t = datetime(2026, 3, 1, tzinfo=UTC)
    >>> first = append(None, case_id="C1", kind="call_note", at=t, actor="u1", body={})
    >>> first.seq, first.prev_hash == GENESIS
    (1, True)
    >>> earlier = t - timedelta(seconds=1)
    >>> append(first, case_id="C1", kind="message", at=earlier, actor="u1", body={})
    Traceback (most recent call last):
    ...
    xieshang.domain.errors.DomainError: evidence.time_reversed [at]: seq=2
    """
    if kind not in _PRODUCER_KINDS:
        raise DomainError("evidence.unknown_kind", field="kind", kind=str(kind))
    at = _check_time(at)
    if chain_head is None:
        seq, prev = 1, GENESIS
    else:
        if case_id != chain_head.case_id:
            raise DomainError("evidence.case_mismatch", field="case_id", seq=chain_head.seq + 1)
        if at < chain_head.at:
            raise DomainError("evidence.time_reversed", field="at", seq=chain_head.seq + 1)
        seq, prev = chain_head.seq + 1, chain_head.hash
    draft = LogEntry(seq, case_id, str(kind), at, actor, body, prev, GENESIS)
    return LogEntry(seq, case_id, draft.kind, at, actor, draft.body, prev, _recomputed(draft))


# ---------------------------------------------------------------------------------------------
# verification


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of :func:`verify_chain`.

    ``first_bad_seq`` is the 1-based position of the first failing entry (the seq it should have
    had); it is ``None`` when all is well and for ``evidence.head_mismatch``, where every entry
    is consistent but the log does not end at the known head (truncated, extended or replaced).
    ``head`` is the last entry's hash (``GENESIS`` for an empty log).
    """

    ok: bool
    first_bad_seq: int | None
    problem: str | None
    length: int
    head: str


def _entry_problem(entry: LogEntry, position: int, previous: LogEntry | None) -> str | None:
    if previous is not None and entry.case_id != previous.case_id:
        return "evidence.case_mismatch"
    if entry.seq != position:
        return "evidence.seq_mismatch"
    if entry.prev_hash != (GENESIS if previous is None else previous.hash):
        return "evidence.broken_link"
    if entry.hash != _recomputed(entry):
        return "evidence.hash_mismatch"
    if previous is not None and entry.at < previous.at:
        return "evidence.time_reversed"
    return None


def verify_chain(entries: Sequence[LogEntry], *, expected_head: str | None = None) -> ChainReport:
    """Check a whole log and name its first failing entry.

    Checked per entry, in order: same case id as the first, seq = position (from 1), prev_hash =
    the previous hash (``GENESIS`` first), hash = the recomputed hash, time not before the
    previous one; then, if given, that the final hash equals ``expected_head`` (a receipt's).

    >>> from datetime import UTC, datetime
    >>> t = datetime(2026, 3, 1, tzinfo=UTC)
    >>> log = [append(None, case_id="C1", kind="message", at=t, actor="u1", body={"n": 1})]
    >>> log.append(append(log[0], case_id="C1", kind="message", at=t, actor="u1", body={"n": 2}))
    >>> verify_chain([log[1], log[0]]).problem
    'evidence.seq_mismatch'
    >>> r = verify_chain(log[:1], expected_head=log[1].hash)
    >>> r.ok, r.first_bad_seq, r.problem
    (False, None, 'evidence.head_mismatch')
    """
    previous: LogEntry | None = None
    for position, entry in enumerate(entries, start=1):
        problem = _entry_problem(entry, position, previous)
        if problem is not None:
            head = GENESIS if previous is None else previous.hash
            return ChainReport(False, position, problem, len(entries), head)
        previous = entry
    head = GENESIS if previous is None else previous.hash
    if expected_head is not None and head != expected_head:
        return ChainReport(False, None, "evidence.head_mismatch", len(entries), head)
    return ChainReport(True, None, None, len(entries), head)


# ---------------------------------------------------------------------------------------------
# JSON lines


def entry_record(entry: LogEntry) -> dict[str, Any]:
    """The JSON object of one log line (content, ``prev_hash`` and ``hash``)."""
    record = _content(
        case_id=entry.case_id,
        seq=entry.seq,
        kind=entry.kind,
        at=entry.at,
        actor=entry.actor,
        body=entry.body,
    )
    record["prev_hash"] = entry.prev_hash
    record["hash"] = entry.hash
    return record


def serialise_entry(entry: LogEntry) -> bytes:
    """One JSON-lines line: the canonical JSON of :func:`entry_record` and ``\\n``."""
    return canonical_json(entry_record(entry)) + b"\n"


def serialise_log(entries: Sequence[LogEntry]) -> bytes:
    """A whole log as JSON lines."""
    return b"".join(serialise_entry(e) for e in entries)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DomainError("evidence.duplicate_key", field=key)
        out[key] = value
    return out


def _refuse_json_number_with_fraction(text: str) -> Any:
    raise DomainError("canonical.float_refused", value=text)


def _refuse_constant(text: str) -> Any:
    raise DomainError("canonical.not_finite", value=text)


def _parse_time(value: object) -> datetime:
    if not isinstance(value, str):
        raise DomainError("evidence.bad_time", field="at")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise DomainError("evidence.bad_time", field="at") from None
    if parsed.tzinfo is None:
        raise DomainError("evidence.naive_time", field="at")
    return parsed


def parse_entry(line: bytes) -> LogEntry:
    """The entry of one JSON-lines line (with or without its final ``\\n``); strict.

    >>> from datetime import UTC, datetime
    >>> e = append(None, case_id="C1", kind="message", at=datetime(2026, 3, 1, tzinfo=UTC),
    ...            actor="u1", body={"text": "收到"})
    >>> parse_entry(serialise_entry(e)) == e
    True
    >>> parse_entry(serialise_entry(e).replace(b'"seq":1', b'"seq": 1'))
    Traceback (most recent call last):
    ...
    xieshang.domain.errors.DomainError: evidence.line_not_canonical
    """
    raw = line[:-1] if line.endswith(b"\n") else line
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DomainError("evidence.line_not_utf8") from None
    try:
        data = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_float=_refuse_json_number_with_fraction,
            parse_constant=_refuse_constant,
        )
    except json.JSONDecodeError as exc:
        raise DomainError("evidence.line_not_json", column=exc.colno) from None
    except RecursionError:
        raise DomainError("canonical.too_deep", limit=MAX_DEPTH) from None
    if not isinstance(data, dict):
        raise DomainError("evidence.line_not_object")
    missing = sorted(_ENTRY_FIELDS - data.keys())
    if missing:
        raise DomainError("evidence.missing_field", field=missing[0])
    unknown = sorted(data.keys() - _ENTRY_FIELDS)
    if unknown:
        raise DomainError("evidence.unknown_field", field=unknown[0])
    if type(data["v"]) is not int or data["v"] != FORMAT_VERSION:
        raise DomainError("evidence.bad_version", field="v", value=str(data["v"]))
    entry = LogEntry(
        seq=data["seq"],
        case_id=data["case_id"],
        kind=data["kind"],
        at=_parse_time(data["at"]),
        actor=data["actor"],
        body=data["body"],
        prev_hash=data["prev_hash"],
        hash=data["hash"],
    )
    if canonical_json(entry_record(entry)) != raw:
        raise DomainError("evidence.line_not_canonical")
    return entry


def parse_log(data: bytes) -> tuple[LogEntry, ...]:
    """Every entry of a JSON-lines log; a bad line raises its code with ``line=N`` (1-based).

    An empty log is ``b""``; otherwise every line, the last included, ends in ``\\n``.
    """
    if not data:
        return ()
    if not data.endswith(b"\n"):
        raise DomainError("evidence.log_no_final_newline")
    entries: list[LogEntry] = []
    for number, line in enumerate(data[:-1].split(b"\n"), start=1):
        if not line:
            raise DomainError("evidence.empty_line", line=number)
        try:
            entries.append(parse_entry(line))
        except DomainError as exc:
            raise DomainError(exc.code, field=exc.field, line=number, **exc.params) from None
    return tuple(entries)


# ---------------------------------------------------------------------------------------------
# receipts and checkpoints (data only: the instance's key signs them outside the domain)


@dataclass(frozen=True, slots=True)
class Receipt:
    """The claim "case ``case_id``'s log had head ``head`` at entry ``seq``, as of ``at``".

    A periodic checkpoint is the same claim, made by the instance on a schedule.
    """

    case_id: str
    seq: int
    head: str
    at: datetime

    def __post_init__(self) -> None:
        _check_text(self.case_id, "case_id", "evidence.bad_case_id")
        if type(self.seq) is not int or not 0 <= self.seq <= MAX_SAFE_INT:
            raise DomainError("evidence.bad_seq", field="seq")
        _check_hex(self.head, "head")
        object.__setattr__(self, "at", _check_time(self.at))


def receipt_for(entries: Sequence[LogEntry], at: datetime) -> Receipt:
    """The receipt of a non-empty log's current head."""
    if not entries:
        raise DomainError("evidence.empty_log")
    last = entries[-1]
    return Receipt(last.case_id, last.seq, last.hash, at)


def receipt_message(receipt: Receipt) -> bytes:
    """The exact bytes the instance signs: canonical JSON tagged with the receipt type.

    >>> from datetime import UTC, datetime
    >>> r = Receipt("C1", 3, GENESIS, datetime(2026, 3, 1, tzinfo=UTC))
    >>> receipt_message(r)[:56]
    b'{"at":"2026-03-01T00:00:00.000000+00:00","case_id":"C1",'
    """
    return canonical_json(
        {
            "type": RECEIPT_TYPE,
            "v": FORMAT_VERSION,
            "case_id": receipt.case_id,
            "seq": receipt.seq,
            "head": receipt.head,
            "at": receipt.at,
        }
    )


def verify_receipt(
    receipt: Receipt, signature: bytes, verify: Callable[[bytes, bytes], bool]
) -> bool:
    """Whether ``signature`` signs this receipt, by ``verify(message, signature)``.

    >>> from datetime import UTC, datetime
    >>> r = Receipt("C1", 3, GENESIS, datetime(2026, 3, 1, tzinfo=UTC))
    >>> verify_receipt(r, b"sig", lambda message, sig: sig == b"sig" and b'"seq":3' in message)
    True
    """
    return verify(receipt_message(receipt), signature) is True


def receipt_matches(entries: Sequence[LogEntry], receipt: Receipt) -> bool:
    """Whether the log contains the receipted head at the receipted seq (it may have grown)."""
    if receipt.seq == 0:
        return receipt.head == GENESIS and all(e.case_id == receipt.case_id for e in entries)
    if receipt.seq > len(entries):
        return False
    entry = entries[receipt.seq - 1]
    return (entry.case_id, entry.seq, entry.hash) == (receipt.case_id, receipt.seq, receipt.head)
