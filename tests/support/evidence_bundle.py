"""A negotiation case's evidence for the bundle tests: 203 events of every kind, a signed
checkpoint every 50 entries, a receipt of the head, two documents, an agreement PDF stand-in
and the payments; fixed keys and times, so the bundle is the same on every run.

Also the tools the tamper tests share: a memoising verifier (the sweeps check the same
manifest signature hundreds of thousands of times), the byte layout of a bundle, and edits
of a bundle's members with or without a re-signed manifest.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from xieshang.documents.bundle import BundleContent, build_bundle, verify_bundle
from xieshang.documents.canonical_zip import write_zip
from xieshang.domain.evidence import (
    EntryKind,
    LogEntry,
    append,
    canonical_json,
    receipt_for,
    receipt_message,
)
from xieshang.security.signing import InstanceKey, Verifier, public_verifier

KEY = InstanceKey(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
OTHER_KEY = InstanceKey(Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64))))
CASE_ID = "case-0412"
REFERENCE = "XS-2026-0412"
T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
EVENTS = 203
CHECKPOINT_EVERY = 50
DOCUMENTS = (
    ("借款合同 2024（扫描件）.pdf", b"%PDF-1.4\n% contract scan stand-in\n" + bytes(range(256))),
    ("repayment records.csv", b"date,amount\n2025-01-05,1250.00\n2025-02-05,1250.00\n"),
)
AGREEMENT_PDF = b"%PDF-1.7\n% agreement stand-in\n" + bytes(range(255, -1, -1)) + b"%%EOF\n"
_DIGEST = hashlib.sha256(AGREEMENT_PDF).hexdigest()


def _body(kind: EntryKind, i: int) -> dict[str, Any]:
    """A plausible body for the i-th event of ``kind``."""
    day = date(2026, 3, 2) + timedelta(days=i // 4)
    bodies: dict[EntryKind, dict[str, Any]] = {
        EntryKind.MESSAGE: {"text": f"第{i}次沟通：已收到您的材料，正在审核。", "channel": "app"},
        EntryKind.CALL_NOTE: {
            "person": "客服 王**",
            "channel": "phone",
            "said": "可以申请停息挂账 24 期",
            "result": "待平台回复",
            "minutes": 12,
        },
        EntryKind.COLLECTION_CONTACT: {
            "caller": "0755-8***-**12",
            "channel": "phone",
            "contacted": "borrower",
            "local_time": "21:40",
        },
        EntryKind.OFFER: {"months": 24, "monthly": Decimal("1250.00"), "waive": ["penalty"]},
        EntryKind.COUNTER_OFFER: {"months": 36, "monthly": Decimal("980.50"), "waive": []},
        EntryKind.ACCEPTANCE: {"offer_seq": i - 1},
        EntryKind.REFUSAL: {"offer_seq": i - 1, "reason": "月供超出还款能力"},
        EntryKind.DOCUMENT: {"sha256": hashlib.sha256(DOCUMENTS[i % 2][1]).hexdigest()},
        EntryKind.AGREEMENT: {"sha256": _DIGEST, "version": 1},
        EntryKind.SIGNATURE: {"party": "borrower", "sha256": _DIGEST, "consent": "已阅读并同意"},
        EntryKind.PAYMENT: {
            "ref": f"PAY-{i:04d}",
            "paid_on": day,
            "amount": Decimal("1250.00"),
            "channel": "bank_transfer",
            "recorded_by": "borrower:7",
        },
        EntryKind.STATE_CHANGE: {"from": "under_review", "to": "countered"},
        EntryKind.CHECKPOINT: {"seq": i - 1},
    }
    return bodies[kind]


def case_log(events: int = EVENTS) -> tuple[LogEntry, ...]:
    """``events`` entries cycling through every kind, a few minutes apart."""
    kinds = list(EntryKind)
    head: LogEntry | None = None
    out = []
    for i in range(1, events + 1):
        kind = kinds[i % len(kinds)]
        actor = "org:3 agent:9" if i % 3 == 0 else "borrower:7"
        at = T0 + timedelta(minutes=7 * i)
        head = append(head, case_id=CASE_ID, kind=kind, at=at, actor=actor, body=_body(kind, i))
        out.append(head)
    return tuple(out)


def sample_content(events: int = EVENTS, key: InstanceKey = KEY) -> BundleContent:
    entries = case_log(events)
    signed_at = entries[-1].at + timedelta(hours=1)
    checkpoints = tuple(
        (receipt, key.sign(receipt_message(receipt)))
        for receipt in (
            receipt_for(entries[:n], entries[n - 1].at)
            for n in range(CHECKPOINT_EVERY, len(entries) + 1, CHECKPOINT_EVERY)
        )
    )
    receipt = receipt_for(entries, signed_at)
    payments = tuple(
        {**e.body, "event_hash": e.hash} for e in entries if e.kind == EntryKind.PAYMENT
    )
    return BundleContent(
        case_id=CASE_ID,
        case_reference=REFERENCE,
        borrower="李**",
        counterparty="某某消费金融有限公司",
        state="active",
        created_at=T0,
        exported_at=signed_at + timedelta(minutes=5),
        entries=entries,
        public_key_pem=key.public_key_pem(),
        checkpoints=checkpoints,
        receipts=((receipt, key.sign(receipt_message(receipt))),),
        documents=DOCUMENTS,
        agreement_pdf=AGREEMENT_PDF,
        payments=payments,
    )


@lru_cache(maxsize=1)
def sample_bundle() -> bytes:
    return build_bundle(sample_content(), sign=KEY.sign)


@lru_cache(maxsize=8)
def memo_verifier_for(pem: str) -> Verifier:
    """``public_verifier`` whose answers are remembered: Ed25519 verification is a pure
    function, and a sweep checks the one manifest signature for every variant of a bundle."""
    return lru_cache(maxsize=1024)(public_verifier(pem))


# ---------------------------------------------------------------------------------------------
# layout and edits


@dataclass(frozen=True)
class Layout:
    """Where each part of a bundle lies: (start, end) of every member's data by name, of
    every member's local header, and the start of the central directory."""

    data: Mapping[str, tuple[int, int]]
    headers: Mapping[str, tuple[int, int]]
    directory_start: int
    size: int

    def structure(self) -> list[int]:
        """Every byte offset of the ZIP structures (headers, central directory, end record)."""
        spans = [*self.headers.values(), (self.directory_start, self.size)]
        return [p for start, end in spans for p in range(start, end)]

    def member_at(self, offset: int) -> str | None:
        return next((n for n, (s, e) in self.data.items() if s <= offset < e), None)


def layout(bundle: bytes) -> Layout:
    archive = zipfile.ZipFile(io.BytesIO(bundle))
    data, headers = {}, {}
    for info in archive.infolist():
        start = info.header_offset + 30 + len(info.filename.encode("utf-8"))
        headers[info.filename] = (info.header_offset, start)
        data[info.filename] = (start, start + info.compress_size)
    return Layout(data, headers, archive.start_dir, len(bundle))


def members(bundle: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(bundle))
    return {name: archive.read(name) for name in archive.namelist()}


def resigned(files: dict[str, bytes], key: InstanceKey, **manifest_changes: Any) -> bytes:
    """The bundle of ``files`` with the manifest's list (and ``manifest_changes``) brought
    up to date and signed again by ``key``: what a forger holding a key could make."""
    manifest = json.loads(files["manifest.json"])
    manifest.update(manifest_changes)
    manifest["files"] = [
        {"name": n, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
        for n, d in sorted(files.items())
        if n not in ("manifest.json", "manifest.sig")
    ]
    raw = canonical_json(manifest)
    signature = base64.b64encode(key.sign(raw)) + b"\n"
    return write_zip({**files, "manifest.json": raw, "manifest.sig": signature}.items())


def with_member(
    bundle: bytes,
    name: str,
    edit: Callable[[bytes], bytes],
    *,
    resign: InstanceKey | None = None,
) -> bytes:
    """The bundle with member ``name`` edited; the manifest re-signed with ``resign`` if given."""
    files = members(bundle)
    files[name] = edit(files[name])
    return resigned(files, resign) if resign is not None else write_zip(files.items())


def lines_edit(edit: Callable[[list[bytes]], list[bytes]]) -> Callable[[bytes], bytes]:
    """An edit of a JSON-lines member as a list of its lines (each with its newline)."""
    return lambda data: b"".join(edit(data.splitlines(keepends=True)))


# ---------------------------------------------------------------------------------------------
# byte sweeps (module level, so that worker processes can run them)


def xor(value: int) -> Callable[[bytes, int], bytes]:
    return lambda data, p: data[:p] + bytes([data[p] ^ value]) + data[p + 1 :]


EDITS: dict[str, Callable[[bytes, int], bytes]] = {
    "xor 0x01": xor(0x01),
    "xor 0xff": xor(0xFF),
    "delete": lambda data, p: data[:p] + data[p + 1 :],
    "insert 0x00": lambda data, p: data[:p] + b"\x00" + data[p:],
    "insert a copy": lambda data, p: data[:p] + data[max(p - 1, 0) : max(p, 1)] + data[p:],
    "truncate": lambda data, p: data[:p],
}


def expected_member(where: Layout, bundle: bytes, offset: int) -> set[str] | None:
    """Which items may be named for a changed byte at ``offset``: the entry for a log byte,
    the member for other data, the manifest or its signature for either; ``None`` for a byte
    of the ZIP structures (any failure will do)."""
    name = where.member_at(offset)
    if name is None:
        return None
    if name == "log.jsonl":
        line = bundle.count(b"\n", where.data[name][0], offset) + 1
        return {f"log.jsonl entry {line}"}
    if name.startswith("manifest."):
        return {"manifest.json", "manifest.sig"}
    if name == "public_key.pem":  # no longer a key, or another key the signature fails under
        return {name, "manifest.json"}
    return {name}


def sweep(edit: str, positions: list[int], *, check_item: bool = False) -> tuple[int, list[str]]:
    """Verify the sample bundle with ``edit`` applied at each position: (count, problems),
    a problem being an edit that verified, or (with ``check_item``) that named the wrong item."""
    bundle = sample_bundle()
    where = layout(bundle)
    apply = EDITS[edit]
    problems = []
    for p in positions:
        report = verify_bundle(apply(bundle, p), verifier_for=memo_verifier_for)
        if report.failure is None:
            problems.append(f"{edit} at {p}: not detected")
            continue
        expected = expected_member(where, bundle, p) if check_item else None
        if expected is not None and report.failure.item not in expected:
            problems.append(f"{edit} at {p}: named {report.failure.item}, not {expected}")
    return len(positions), problems


def sweep_job(job: tuple[str, list[int], bool]) -> tuple[int, list[str]]:
    """:func:`sweep` of one ``(edit, positions, check_item)`` job, for a process pool."""
    edit, positions, check_item = job
    return sweep(edit, positions, check_item=check_item)
