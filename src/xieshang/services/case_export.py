"""A case's evidence bundle, read from the database: ``documents.bundle`` does the format, this
module gathers what goes in and who may ask.

What a bundle of a case holds (``BundleContent``):

* the whole hash-chained log, the instance's signed checkpoints and the receipts issued;
* the documents, in this order, each once (by SHA-256): the files the log's ``document``
  events name (sent letters, the settlement certificate, anything attached), the agreement
  PDFs as they were signed (every round's; the signature events name their digest), the
  receipts attached to payments, and the borrower's uploaded documents linked to the case's
  loans;
* the current agreement's PDF — the sealed one once sealed;
* the payments, each record equal to the body of its ``payment`` event plus that event's hash;
* the instance's public key, with which every signature in the bundle checks.

Either side of the case may export it; lender staff get the borrower's uploaded loan documents
only while the borrower's ``documents`` consent for their organisation is active (the rest of
the bundle is what the case log already shows them).  The instance operator may export any case
(``export_bundle_as_operator``, the CLI without ``--as``).  The borrower's name is masked in
the bundle's summary, which may be shown to others.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from xieshang.documents.bundle import BundleContent, build_bundle
from xieshang.domain.case_state import Party
from xieshang.domain.evidence import EntryKind, LogEntry
from xieshang.security.signing import InstanceKey
from xieshang.store.blobs import BlobStore
from xieshang.store.models import AgreementRow, AgreementStatus, CaseRow, ReceiptKind
from xieshang.store.repositories import case_log_id
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor, may_read, not_found
from .case_log import stored_receipts
from .cases import case_for, counterparty_name

_DIGEST = re.compile(r"[0-9a-f]{64}")
_EXTENSIONS = {
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "text/csv": ".csv",
    "image/png": ".png",
    "image/jpeg": ".jpg",
}
_PAGE = 200


def case_reference(case: CaseRow) -> str:
    """The reference a case is known by in documents and bundles.

    >>> case_reference(CaseRow(id=42))
    'XS-42'
    """
    return f"XS-{case.id}"


def mask_name(name: str) -> str:
    """A person's name shown to others: the first character, the rest masked.

    >>> mask_name("李明"), mask_name("li.ming"), mask_name(""), mask_name("王")
    ('李*', 'l******', '', '王')
    """
    return name[:1] + "*" * max(0, len(name) - 1)


def _name_for(body: Mapping[str, Any], sha256: str) -> str:
    """A ``document`` event's file name: its ``name`` (or ``filename``), else one made from
    its ``kind`` and digest with the extension of its ``media_type``."""
    for key in ("name", "filename"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return value
    media = body.get("media_type")
    ext = _EXTENSIONS.get(media, "") if isinstance(media, str) else ""
    kind = body.get("kind")
    return f"{kind if isinstance(kind, str) and kind else 'document'}-{sha256[:12]}{ext}"


def _event_digest(body: Mapping[str, Any]) -> str | None:
    for key in ("sha256", "document_sha256"):
        value = body.get(key)
        if isinstance(value, str) and _DIGEST.fullmatch(value):
            return value
    return None


def _agreement_name(row: AgreementRow, suffix: str = "") -> str:
    return f"agreement-{row.case_id}-{row.id}{suffix}.pdf"


def _documents(
    uow: UnitOfWork,
    case: CaseRow,
    entries: tuple[LogEntry, ...],
    agreements: tuple[AgreementRow, ...],
    current: AgreementRow | None,
    *,
    uploads: bool,
) -> Iterator[tuple[str, str]]:
    """(file name, SHA-256) of every document of the case, in bundle order, maybe repeated."""
    for entry in entries:
        if entry.kind == EntryKind.DOCUMENT.value:
            digest = _event_digest(entry.body)
            if digest is not None:
                yield _name_for(entry.body, digest), digest
    for row in agreements:
        if row is current and row.sealed_sha256 is None:
            continue  # the agreement itself, not yet sealed: it is ``agreement.pdf``
        yield _agreement_name(row, "-as-signed" if row is current else ""), row.document_sha256
    for row in agreements:
        for payment in uow.payments.list_for_agreement(row.id):
            if payment.receipt_document_id is not None:
                doc = uow.documents.get(payment.receipt_document_id)
                if doc is not None:
                    yield doc.filename, doc.sha256
    if uploads:
        for loan_id in uow.cases.loan_ids(case.id):
            offset = 0
            while True:
                page = uow.documents.list_for_owner(
                    case.borrower_id, limit=_PAGE, offset=offset, loan_id=loan_id
                )
                for doc in page.items:
                    yield doc.filename, doc.sha256
                if not page.has_more:
                    break
                offset += _PAGE


def _payments(
    uow: UnitOfWork, entries: tuple[LogEntry, ...], agreements: tuple[AgreementRow, ...]
) -> tuple[dict[str, Any], ...]:
    by_hash = {e.hash: e for e in entries if e.kind == EntryKind.PAYMENT.value}
    records = []
    for row in agreements:
        for payment in uow.payments.list_for_agreement(row.id):
            event = by_hash.get(payment.event_hash)
            body = {} if event is None else dict(event.body)
            # A row without its event fails the bundle's own check, naming the payment.
            records.append({**body, "event_hash": payment.event_hash})
    return tuple(records)


def _content(
    uow: UnitOfWork,
    blobs: BlobStore,
    case: CaseRow,
    *,
    uploads: bool,
    public_key_pem: str,
    now: datetime,
) -> BundleContent:
    entries = uow.case_events.list_for_case(case.id)
    agreements = tuple(uow.agreements.list_for_case(case.id))
    current = uow.agreements.current(case.id)
    seen: set[str] = set()
    documents: list[tuple[str, bytes]] = []
    for name, digest in _documents(uow, case, entries, agreements, current, uploads=uploads):
        if digest not in seen:
            seen.add(digest)
            documents.append((name, blobs.read(digest)))
    agreement_pdf = None
    if current is not None:
        sealed = current.sealed_sha256 if current.status == AgreementStatus.SEALED.value else None
        agreement_pdf = blobs.read(sealed or current.document_sha256)
    receipts = stored_receipts(uow, case.id)
    borrower = uow.users.get(case.borrower_id)
    return BundleContent(
        case_id=case_log_id(case.id),
        case_reference=case_reference(case),
        borrower=mask_name("" if borrower is None else borrower.display_name),
        counterparty=counterparty_name(uow, case),
        state=case.state,
        created_at=case.created_at,
        exported_at=now,
        entries=entries,
        public_key_pem=public_key_pem,
        checkpoints=tuple(
            (r.receipt, r.signature) for r in receipts if r.kind == ReceiptKind.CHECKPOINT.value
        ),
        receipts=tuple(
            (r.receipt, r.signature) for r in receipts if r.kind == ReceiptKind.RECEIPT.value
        ),
        documents=tuple(documents),
        agreement_pdf=agreement_pdf,
        payments=_payments(uow, entries, agreements),
    )


def export_bundle(
    uow: UnitOfWork,
    blobs: BlobStore,
    actor: Actor,
    case_id: int,
    *,
    key: InstanceKey,
    now: datetime,
) -> bytes:
    """The case's evidence bundle (ZIP bytes) for a party of the case."""
    with uow:
        case, side = case_for(uow, actor, case_id)
        uploads = side.party is Party.BORROWER or may_read(
            uow, actor, case.borrower_id, "documents"
        )
        content = _content(
            uow, blobs, case, uploads=uploads, public_key_pem=key.public_key_pem(), now=now
        )
    return build_bundle(content, sign=key.sign)


def export_bundle_as_operator(
    uow: UnitOfWork, blobs: BlobStore, case_id: int, *, key: InstanceKey, now: datetime
) -> bytes:
    """The case's full evidence bundle for the instance operator (the CLI without a user):
    no access check, so only the composition root may call this."""
    with uow:
        case = uow.cases.get(case_id)
        if case is None:
            raise not_found("case")
        content = _content(
            uow, blobs, case, uploads=True, public_key_pem=key.public_key_pem(), now=now
        )
    return build_bundle(content, sign=key.sign)


def bundle_filename(case_id: int) -> str:
    """
    >>> bundle_filename(7)
    'case-7-evidence.zip'
    """
    return f"case-{case_id}-evidence.zip"
