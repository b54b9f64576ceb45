"""The evidence bundle of a case: one deterministic ZIP that anyone can check offline.

A bundle holds the case log, its signed checkpoints and receipts, the documents, the agreement,
the payments, a readable summary (zh and en), the instance's public key and a signed manifest
of every file's SHA-256.  :func:`build_bundle` makes it; :func:`verify_bundle` (in
``bundle_verify``, re-exported here) checks it and names the first thing that fails.

Format, version 1 (normative: bundles must verify years later, with another program if need be)
------------------------------------------------------------------------------------------------
* The container is the canonical ZIP of ``canonical_zip`` (stored, fixed time, sorted names).
* ``log.jsonl``: the case log as JSON lines (``xieshang.domain.evidence.serialise_log``).
* ``checkpoints.jsonl``, ``receipts.jsonl``: one canonical JSON object per line,
  ``{"at", "case_id", "head", "seq", "signature"}``; ``signature`` is the base64 of the
  instance's Ed25519 signature of ``receipt_message`` of the other four fields.
* ``payments.jsonl``: one canonical JSON object per line; ``event_hash`` names the ``payment``
  event of the log whose body has every other field of the record with the same value.
* ``documents/<nn>-<name>``: the case's documents in their order (``nn`` from 01); ``name`` is
  the original file name with anything but letters, digits, ``.``, ``_`` and ``-`` replaced.
* ``agreement.pdf`` when the case has one; ``public_key.pem``: the instance's public key.
* ``summary.zh.html``, ``summary.en.html``: for people; informative only.
* ``manifest.json``: canonical JSON ``{"type": "xieshang-evidence-bundle", "v": 1, "case_id",
  "case_reference", "events", "head", "exported_at", "files"}``; ``files`` lists every other
  member but ``manifest.sig`` by name order as ``{"name", "sha256", "size"}``.
* ``manifest.sig``: the base64 of the Ed25519 signature of the exact bytes of ``manifest.json``,
  and a newline.  With standard tools: ``base64 -d manifest.sig > sig.bin; openssl pkeyutl
  -verify -pubin -inkey public_key.pem -rawin -in manifest.json -sigfile sig.bin``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import (
    GENESIS,
    LogEntry,
    Receipt,
    canonical_json,
    receipt_matches,
    serialise_log,
    verify_chain,
)

from .bundle_format import (
    AGREEMENT,
    BUNDLE_TYPE,
    BUNDLE_VERSION,
    CHECKPOINTS,
    EVENT_HASH,
    LOG,
    MANIFEST,
    MANIFEST_SIG,
    PAYMENTS,
    PUBLIC_KEY,
    RECEIPTS,
    SUMMARIES,
    FileFact,
    document_names,
    file_fact,
    json_lines,
    payment_events,
    payment_problem,
    receipt_record,
)
from .bundle_report import BundleFailure, BundleReport
from .bundle_verify import verify_bundle
from .canonical_zip import write_zip

Signer = Callable[[bytes], bytes]
SignedReceipt = tuple[Receipt, bytes]


@dataclass(frozen=True, slots=True)
class BundleContent:
    """Everything a bundle holds, as plain values a service can read from the database.

    ``borrower`` is the display name already masked (the bundle may be shown to others);
    ``state`` is the case state's value (``"active"``); times are aware datetimes.
    ``checkpoints`` and ``receipts`` pair each :class:`Receipt` with the instance's signature
    of ``receipt_message(receipt)``; ``documents`` are (original file name, bytes) in the
    order the case lists them; ``payments`` are JSON-able records (Decimals allowed) with an
    ``event_hash`` naming their ``payment`` event in ``entries``.
    """

    case_id: str
    case_reference: str
    borrower: str
    counterparty: str
    state: str
    created_at: datetime
    exported_at: datetime
    entries: tuple[LogEntry, ...]
    public_key_pem: str
    checkpoints: tuple[SignedReceipt, ...] = ()
    receipts: tuple[SignedReceipt, ...] = ()
    documents: tuple[tuple[str, bytes], ...] = ()
    agreement_pdf: bytes | None = None
    payments: tuple[Mapping[str, Any], ...] = ()


# ---------------------------------------------------------------------------------------------
# building


def _check_content(content: BundleContent) -> None:
    """Refuse content that could only give a bundle that fails verification."""
    entries = content.entries
    chain = verify_chain(entries)
    if not chain.ok:
        raise DomainError("bundle.log_invalid", field="entries", seq=chain.first_bad_seq)
    if any(e.case_id != content.case_id for e in entries):
        raise DomainError("bundle.log_other_case", field="entries", case_id=content.case_id)
    for name, signed in (("checkpoints", content.checkpoints), ("receipts", content.receipts)):
        for i, (receipt, _) in enumerate(signed):
            if receipt.case_id != content.case_id or not receipt_matches(entries, receipt):
                raise DomainError("bundle.receipt_not_in_log", field=f"{name}[{i}]")
    events = payment_events(entries)
    for i, record in enumerate(content.payments):
        problem = payment_problem(record, events)
        if problem is not None:
            raise DomainError(problem, field=f"payments[{i}]", name=EVENT_HASH)
    listed = {record.get(EVENT_HASH) for record in content.payments}
    missing = sorted(e.seq for h, e in events.items() if h not in listed)
    if missing:  # the payments file is every payment the log records, not a selection
        raise DomainError("bundle.payment_missing", field="payments", seq=missing[0])
    if not content.public_key_pem.isascii():
        raise DomainError("bundle.public_key_not_pem", field="public_key_pem")


def _members(content: BundleContent) -> dict[str, bytes]:
    members = {
        LOG: serialise_log(content.entries),
        CHECKPOINTS: json_lines([receipt_record(r, s) for r, s in content.checkpoints]),
        RECEIPTS: json_lines([receipt_record(r, s) for r, s in content.receipts]),
        PAYMENTS: json_lines(content.payments),
        PUBLIC_KEY: content.public_key_pem.rstrip("\n").encode("ascii") + b"\n",
    }
    members.update(
        zip(document_names(content.documents), (d for _, d in content.documents), strict=True)
    )
    if content.agreement_pdf is not None:
        members[AGREEMENT] = content.agreement_pdf
    return members


def build_bundle(content: BundleContent, *, sign: Signer) -> bytes:
    """The evidence bundle of ``content`` as ZIP bytes; the same content gives the same bytes.

    ``sign(message) -> signature`` is the instance key's (``InstanceKey.sign``); it signs the
    manifest.  Refuses (``bundle.*``) a broken log, a receipt or checkpoint the log does not
    contain, and a payment record no ``payment`` event carries.
    """
    from .bundle_summary import SummaryFacts, summary_html  # noqa: PLC0415 - Jinja2 on build only

    _check_content(content)
    members = _members(content)
    head = content.entries[-1].hash if content.entries else GENESIS
    facts = [file_fact(name, members[name]) for name in sorted(members)]
    titles = dict(
        zip(document_names(content.documents), (n for n, _ in content.documents), strict=True)
    )
    summary = SummaryFacts(content, head, tuple(facts), titles)
    for lang, name in SUMMARIES.items():
        members[name] = summary_html(summary, lang)
    manifest = canonical_json(
        {
            "type": BUNDLE_TYPE,
            "v": BUNDLE_VERSION,
            "case_id": content.case_id,
            "case_reference": content.case_reference,
            "events": len(content.entries),
            "head": head,
            "exported_at": content.exported_at,
            "files": [
                {"name": f.name, "sha256": f.sha256, "size": f.size}
                # code point order is UTF-8 byte order: the container's order
                for f in (file_fact(name, members[name]) for name in sorted(members))
            ],
        }
    )
    members[MANIFEST] = manifest
    members[MANIFEST_SIG] = base64.b64encode(sign(manifest)) + b"\n"
    try:
        return write_zip(members.items())
    except ValueError:
        raise DomainError("bundle.too_large", field="documents") from None


__all__ = [
    "BundleContent",
    "BundleFailure",
    "BundleReport",
    "FileFact",
    "build_bundle",
    "verify_bundle",
]
