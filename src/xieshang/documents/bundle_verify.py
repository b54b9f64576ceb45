"""Checking an evidence bundle offline, naming the first thing that fails.

The checks run in this order and stop at the first failure, so the item named is the most
specific one a change touches (a changed byte of a log line names that entry, not the ZIP):

1. the container: every ZIP header exactly as the canonical layout has it (``canonical_zip``);
2. ``manifest.json``: present, canonical JSON, format ``xieshang-evidence-bundle`` version 1;
3. the public key: the one given, else the bundle's own ``public_key.pem``;
4. ``manifest.sig``: the key's signature of the exact bytes of ``manifest.json``;
5. the members: each listed one present with the listed size and SHA-256, nothing unlisted,
   the required ones there (a changed ``log.jsonl`` is searched for its first bad entry);
6. ``log.jsonl``: every entry parses strictly and the chain verifies
   (``xieshang.domain.evidence.verify_chain``), ending at the manifest's head and length;
7. ``checkpoints.jsonl`` and ``receipts.jsonl``: each signature verifies and the log holds
   the signed head at the signed seq;
8. ``payments.jsonl``: each record matches a distinct ``payment`` event of the log;
9. the CRC-32 of every member, and finally the whole container rebuilt from its members
   equals the bundle byte for byte.

A bundle checked only against its own ``public_key.pem`` proves that nothing changed since it
was signed, not who signed it: compare ``key_fingerprint`` with the instance's published key.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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
    BUNDLE_TYPE,
    BUNDLE_VERSION,
    CHECKPOINTS,
    EVENT_HASH,
    LOG,
    MANIFEST,
    MANIFEST_FIELDS,
    MANIFEST_SIG,
    PAYMENTS,
    PUBLIC_KEY,
    RECEIPT_FIELDS,
    RECEIPTS,
    REQUIRED,
    FileFact,
    key_fingerprint,
    parse_json_object,
    payment_events,
    payment_problem,
    receipt_record,
)
from .canonical_zip import Member, ZipLayoutError, crc_matches, read_zip, write_zip

Verifier = Callable[[bytes, bytes], bool]
VerifierFor = Callable[[str], Verifier]

KEY_GIVEN = "given"
KEY_BUNDLE = "bundle"
CONTAINER = "ZIP"  # the item named for the container as a whole

_HEX64 = re.compile(r"[0-9a-f]{64}")
_HASH_PAIR = b',"hash":"'


@dataclass(frozen=True, slots=True)
class BundleFailure:
    """The first thing that failed: ``item`` says where (``"log.jsonl entry 17"``,
    ``"documents/01-合同.pdf"``, ``"ZIP"``); ``member`` and ``line`` say the same as data
    (``line`` is the entry or line number, from 1); ``code`` is a ``bundle.*`` message code
    and ``detail`` its parameters (``reason``, when present, is a message code too)."""

    item: str
    code: str
    detail: Mapping[str, str | int]
    member: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class BundleReport:
    """The outcome of :func:`verify_bundle`, with what was learnt on the way.

    ``key_source`` is ``"given"`` or ``"bundle"`` (the bundle's own key: integrity, not
    origin); ``key_fingerprint`` the SHA-256 of the raw public key used.  The case facts come
    from the manifest and are ``None`` when it could not be read.
    """

    ok: bool
    failure: BundleFailure | None
    key_source: str
    key_fingerprint: str | None
    case_id: str | None
    case_reference: str | None
    exported_at: str | None
    events: int | None
    head: str | None
    files: int
    checkpoints: int
    receipts: int
    payments: int


@dataclass(frozen=True, slots=True)
class _Manifest:
    case_id: str
    case_reference: str
    events: int
    head: str
    exported_at: str
    files: tuple[FileFact, ...]


@dataclass(slots=True)
class _Progress:
    key_source: str
    key_fingerprint: str | None = None
    manifest: _Manifest | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def report(self, failure: BundleFailure | None) -> BundleReport:
        m = self.manifest
        return BundleReport(
            ok=failure is None,
            failure=failure,
            key_source=self.key_source,
            key_fingerprint=self.key_fingerprint,
            case_id=m.case_id if m else None,
            case_reference=m.case_reference if m else None,
            exported_at=m.exported_at if m else None,
            events=m.events if m else None,
            head=m.head if m else None,
            files=len(m.files) if m else 0,
            checkpoints=self.counts.get(CHECKPOINTS, 0),
            receipts=self.counts.get(RECEIPTS, 0),
            payments=self.counts.get(PAYMENTS, 0),
        )


class _CheckFailedError(Exception):
    def __init__(self, failure: BundleFailure) -> None:
        super().__init__(failure.code)
        self.failure = failure


def failure(member: str, code: str, line: int | None = None, **detail: str | int) -> BundleFailure:
    """A failure at ``member`` (entry or line ``line``), its ``item`` written out.

    >>> failure("log.jsonl", "bundle.log_entry_invalid", 17).item
    'log.jsonl entry 17'
    """
    if line is None:
        item = member or CONTAINER
    else:
        item = f"{member} {'entry' if member == LOG else 'line'} {line}"
    return BundleFailure(item, code, detail, member or CONTAINER, line)


def _fail(
    member: str, code: str, line: int | None = None, **detail: str | int
) -> _CheckFailedError:
    return _CheckFailedError(failure(member, code, line, **detail))


# ---------------------------------------------------------------------------------------------


def verify_bundle(
    data: bytes, *, verifier_for: VerifierFor, public_key_pem: str | None = None
) -> BundleReport:
    """Check an evidence bundle; the report names the first failure (module docstring).

    ``verifier_for(pem) -> verify(message, signature) -> bool`` turns a public key into a
    verifier (``xieshang.security.signing.public_verifier``); ``public_key_pem`` is the key
    to check against, else the bundle's own.  An invalid *given* key raises its
    ``DomainError`` (the caller's input is wrong, not the bundle).
    """
    progress = _Progress(KEY_BUNDLE if public_key_pem is None else KEY_GIVEN)
    given = None
    if public_key_pem is not None:
        given = verifier_for(public_key_pem)
        progress.key_fingerprint = key_fingerprint(public_key_pem)
    try:
        _check(data, progress, verifier_for, given)
    except _CheckFailedError as failed:
        return progress.report(failed.failure)
    return progress.report(None)


def _check(
    data: bytes, progress: _Progress, verifier_for: VerifierFor, given: Verifier | None
) -> None:
    try:
        members = read_zip(data)
    except ZipLayoutError as problem:
        raise _fail(problem.member, problem.code) from None
    files = {m.name: m.data for m in members}
    manifest_bytes = _required(files, MANIFEST)
    manifest = _parse_manifest(manifest_bytes)
    progress.manifest = manifest
    verify = given if given is not None else _own_key(files, progress, verifier_for)
    signature = _signature(_required(files, MANIFEST_SIG))
    if verify(manifest_bytes, signature) is not True:
        raise _fail(
            MANIFEST,
            "bundle.signature_mismatch",
            key=progress.key_fingerprint or "",
            source=progress.key_source,
        )
    _check_members(files, manifest)
    entries = _check_log(files[LOG], manifest)
    for name in (CHECKPOINTS, RECEIPTS):
        progress.counts[name] = _check_receipts(name, files[name], entries, manifest, verify)
    progress.counts[PAYMENTS] = _check_payments(files[PAYMENTS], entries)
    _check_container(data, members)


def _required(files: Mapping[str, bytes], name: str) -> bytes:
    if name not in files:
        raise _fail(name, "bundle.member_missing")
    return files[name]


def _own_key(
    files: Mapping[str, bytes], progress: _Progress, verifier_for: VerifierFor
) -> Verifier:
    raw = _required(files, PUBLIC_KEY)
    try:
        pem = raw.decode("ascii")
        verify = verifier_for(pem)
    except (UnicodeDecodeError, DomainError):
        raise _fail(PUBLIC_KEY, "bundle.public_key_invalid") from None
    progress.key_fingerprint = key_fingerprint(pem)
    return verify


def _signature(raw: bytes) -> bytes:
    text = raw[:-1] if raw.endswith(b"\n") else b"!"
    try:
        signature = base64.b64decode(text, validate=True)
    except ValueError:
        signature = b""
    if not signature or base64.b64encode(signature) != text:
        raise _fail(MANIFEST_SIG, "bundle.signature_unreadable")
    return signature


# ---------------------------------------------------------------------------------------------
# the manifest


def _is_count(value: object) -> bool:
    return type(value) is int and value >= 0


def _is_hex(value: object) -> bool:
    return isinstance(value, str) and _HEX64.fullmatch(value) is not None


def _parse_manifest(raw: bytes) -> _Manifest:
    value = parse_json_object(raw)
    if value is None or value.get("type") != BUNDLE_TYPE:
        raise _fail(MANIFEST, "bundle.manifest_invalid")
    if value.get("v") != BUNDLE_VERSION or type(value.get("v")) is not int:
        raise _fail(MANIFEST, "bundle.manifest_version", version=str(value.get("v")))
    if set(value) != {"type", "v", *MANIFEST_FIELDS}:
        raise _fail(MANIFEST, "bundle.manifest_invalid")
    strings = (value["case_id"], value["case_reference"], value["exported_at"])
    files = value["files"]
    if (
        not all(isinstance(s, str) for s in strings)
        or not value["case_id"]
        or not _is_count(value["events"])
        or not _is_hex(value["head"])
        or not isinstance(files, list)
    ):
        raise _fail(MANIFEST, "bundle.manifest_invalid")
    facts = tuple(_file_fact(item) for item in files)
    names = [f.name for f in facts]
    if names != sorted(set(names)) or MANIFEST in names or MANIFEST_SIG in names:
        raise _fail(MANIFEST, "bundle.manifest_invalid")
    return _Manifest(
        value["case_id"],
        value["case_reference"],
        value["events"],
        value["head"],
        value["exported_at"],
        facts,
    )


def _file_fact(item: Any) -> FileFact:
    if (
        not isinstance(item, dict)
        or set(item) != {"name", "sha256", "size"}
        or not isinstance(item["name"], str)
        or not item["name"]
        or not _is_hex(item["sha256"])
        or not _is_count(item["size"])
    ):
        raise _fail(MANIFEST, "bundle.manifest_invalid")
    return FileFact(item["name"], item["size"], item["sha256"])


# ---------------------------------------------------------------------------------------------
# the members


def _check_members(files: Mapping[str, bytes], manifest: _Manifest) -> None:
    listed = {f.name for f in manifest.files}
    present = set(files) - {MANIFEST, MANIFEST_SIG}
    for name in sorted(listed | present):
        if name not in listed:
            raise _fail(name, "bundle.member_unlisted")
        if name not in present:
            raise _fail(name, "bundle.member_missing")
    for name in REQUIRED:
        if name not in listed:
            raise _fail(name, "bundle.member_missing")
    for fact in manifest.files:
        _check_digest(files[fact.name], fact, manifest)


def _check_digest(data: bytes, fact: FileFact, manifest: _Manifest) -> None:
    name = fact.name
    if len(data) == fact.size and hashlib.sha256(data).hexdigest() == fact.sha256:
        return
    if name == LOG:
        raise _CheckFailedError(locate_log_damage(data, manifest.head))
    raise _fail(name, "bundle.member_changed")


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


# ---------------------------------------------------------------------------------------------
# the log, receipts and payments


def _check_log(data: bytes, manifest: _Manifest) -> tuple[LogEntry, ...]:
    try:
        entries = parse_log(data)
    except DomainError as exc:
        line = exc.params.get("line")
        raise _fail(
            LOG,
            "bundle.log_entry_invalid",
            line if isinstance(line, int) else None,
            reason=exc.code,
        ) from None
    chain = verify_chain(entries, expected_head=manifest.head)
    if not chain.ok:
        if chain.first_bad_seq is not None:
            reason = chain.problem or "evidence.hash_mismatch"
            raise _fail(LOG, "bundle.log_entry_invalid", chain.first_bad_seq, reason=reason)
        raise _fail(LOG, "bundle.log_head_mismatch")
    if len(entries) != manifest.events:
        raise _fail(LOG, "bundle.log_length", events=len(entries), expected=manifest.events)
    if entries and entries[0].case_id != manifest.case_id:
        raise _fail(LOG, "bundle.log_other_case", 1)
    return entries


def _lines(name: str, data: bytes) -> list[bytes]:
    if not data:
        return []
    lines = data.split(b"\n")
    if lines.pop() != b"":
        raise _fail(name, "bundle.line_invalid", len(lines) + 1)
    for number, line in enumerate(lines, start=1):
        if not line:
            raise _fail(name, "bundle.line_invalid", number)
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


def _check_receipts(
    name: str,
    data: bytes,
    entries: Sequence[LogEntry],
    manifest: _Manifest,
    verify: Verifier,
) -> int:
    lines = _lines(name, data)
    for number, line in enumerate(lines, start=1):
        parsed = _receipt(line)
        if parsed is None:
            raise _fail(name, "bundle.line_invalid", number)
        receipt, signature = parsed
        if receipt.case_id != manifest.case_id:
            raise _fail(name, "bundle.receipt_other_case", number)
        if not verify_receipt(receipt, signature, verify):
            raise _fail(name, "bundle.receipt_signature", number)
        if not receipt_matches(entries, receipt):
            raise _fail(name, "bundle.receipt_not_in_log", number, seq=receipt.seq)
    return len(lines)


def _check_payments(data: bytes, entries: Sequence[LogEntry]) -> int:
    events = payment_events(entries)
    seen: set[str] = set()
    lines = _lines(PAYMENTS, data)
    for number, line in enumerate(lines, start=1):
        record = parse_json_object(line)
        if record is None:
            raise _fail(PAYMENTS, "bundle.line_invalid", number)
        problem = payment_problem(record, events)
        if problem is not None:
            raise _fail(PAYMENTS, problem, number)
        if record[EVENT_HASH] in seen:
            raise _fail(PAYMENTS, "bundle.payment_duplicate", number)
        seen.add(record[EVENT_HASH])
    return len(lines)


def _check_container(data: bytes, members: Sequence[Member]) -> None:
    for member in members:
        if not crc_matches(member):
            raise _fail(member.name, "bundle.zip_crc_changed")
    if write_zip((m.name, m.data) for m in members) != data:
        raise _fail(CONTAINER, "bundle.zip_not_canonical")
