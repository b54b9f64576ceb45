"""A borrower's evidence vault: upload, list, describe, download and delete documents.

The bytes go to the content-addressed ``BlobStore`` (one file per SHA-256, however many
documents point at it); the row keeps the owner, the hash, the user's kind, the media type the
*content* showed, the size and a sanitised filename, optionally linked to one of the owner's
loans.  The borrower and a granted counselor upload and delete; a lender's agent or supervisor
reads only while the borrower's ``documents`` consent for that organisation is active.

Order of effects: the upload is checked (size, type by content, name) before anything is
stored; the blob is written before its row is committed, and re-written if a concurrent delete
removed it in between; a blob is removed only after its last row is gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from xieshang.domain.errors import DomainError
from xieshang.security.uploads import HEAD_BYTES, DocumentKind, check_upload
from xieshang.store.blobs import BlobStore
from xieshang.store.models import Document
from xieshang.store.repositories import Page
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor, not_found, require_read, require_write


@dataclass(frozen=True, slots=True)
class DocumentView:
    id: int
    owner_id: int
    sha256: str
    kind: str
    media_type: str
    size: int
    filename: str
    loan_id: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DocumentContent:
    """A document's metadata and its bytes, to be served as an attachment."""

    document: DocumentView
    data: bytes


def _view(row: Document) -> DocumentView:
    return DocumentView(
        id=row.id,
        owner_id=row.owner_id,
        sha256=row.sha256,
        kind=row.kind,
        media_type=row.media_type,
        size=row.size,
        filename=row.filename,
        loan_id=row.loan_id,
        created_at=row.created_at,
    )


def parse_kind(text: str) -> str:
    """A kind the documents table accepts, from its code or Chinese label (the table's CHECK
    constraint is built from the same ``DocumentKind``).

    >>> parse_kind("还款记录"), parse_kind("Hardship-Evidence"), parse_kind("对账单")
    ('repayment_record', 'hardship_evidence', 'statement')
    """
    return DocumentKind.parse(text).value


def _check_writable(uow: UnitOfWork, actor: Actor, borrower_id: int, loan_id: int | None) -> None:
    """The actor may add the borrower's documents, and ``loan_id`` (if any) is the borrower's."""
    require_write(uow, actor, borrower_id, "document")
    if loan_id is not None:
        loan = uow.loans.get(loan_id)
        if loan is None or loan.borrower_id != borrower_id:
            raise DomainError("access.not_found", field="loan_id")


def upload_document(
    uow: UnitOfWork,
    blobs: BlobStore,
    actor: Actor,
    borrower_id: int,
    *,
    filename: str,
    declared_type: str | None,
    data: bytes,
    kind: str,
    loan_id: int | None,
    max_bytes: int,
    now: datetime,
) -> DocumentView:
    """Store an upload for the borrower.  ``data`` may be longer than ``max_bytes`` (the face
    reads at most one byte more), which is refused as too large."""
    stored_kind = parse_kind(kind)
    with uow:
        _check_writable(uow, actor, borrower_id, loan_id)
    checked = check_upload(
        filename, declared_type, data[:HEAD_BYTES], len(data), max_bytes=max_bytes
    )
    ref = blobs.put(data)
    try:
        with uow:
            # Access and the loan link again, inside the transaction that writes the row.
            _check_writable(uow, actor, borrower_id, loan_id)
            row = uow.documents.add(
                Document(
                    owner_id=borrower_id,
                    sha256=ref.sha256,
                    kind=stored_kind,
                    media_type=checked.media_type,
                    size=ref.size,
                    filename=checked.filename,
                    loan_id=loan_id,
                    created_at=now,
                )
            )
            uow.commit()
            view = _view(row)
    except BaseException:
        _remove_if_unreferenced(uow, blobs, ref.sha256)
        raise
    if not blobs.exists(ref.sha256):  # a concurrent delete saw no row yet and removed it
        blobs.put(data)
    return view


def _remove_if_unreferenced(uow: UnitOfWork, blobs: BlobStore, sha256: str) -> bool:
    """Delete the blob unless another upload, an agreement or a case log entry (a sent letter,
    a certificate) still names the same bytes: evidence never goes with an upload."""
    with uow:
        if (
            uow.documents.count_with_sha256(sha256) > 0
            or uow.agreements.uses_blob(sha256)
            or uow.case_events.mention(sha256)
        ):
            return False
    return blobs.delete(sha256)


def _readable(uow: UnitOfWork, actor: Actor, document_id: int) -> Document:
    row = uow.documents.get(document_id)
    if row is None:
        raise not_found("document")
    require_read(uow, actor, row.owner_id, "documents", "document")
    return row


def list_documents(
    uow: UnitOfWork,
    actor: Actor,
    borrower_id: int,
    *,
    limit: int,
    offset: int,
    loan_id: int | None = None,
) -> Page[DocumentView]:
    with uow:
        require_read(uow, actor, borrower_id, "documents", "documents")
        page = uow.documents.list_for_owner(
            borrower_id, limit=limit, offset=offset, loan_id=loan_id
        )
        return Page(tuple(_view(r) for r in page.items), page.total, page.limit, page.offset)


def get_document(uow: UnitOfWork, actor: Actor, document_id: int) -> DocumentView:
    with uow:
        return _view(_readable(uow, actor, document_id))


def read_document(
    uow: UnitOfWork, blobs: BlobStore, actor: Actor, document_id: int
) -> DocumentContent:
    """The document and its bytes (``blob.not_found`` if the blob went missing)."""
    with uow:
        view = _view(_readable(uow, actor, document_id))
    return DocumentContent(view, blobs.read(view.sha256))


def delete_document(uow: UnitOfWork, blobs: BlobStore, actor: Actor, document_id: int) -> None:
    """Delete the row; the blob goes too unless another document still points at it."""
    with uow:
        row = uow.documents.get(document_id)
        if row is None:
            raise not_found("document")
        require_write(uow, actor, row.owner_id, "document")
        sha256 = row.sha256
        uow.documents.delete(row)
        uow.commit()
    _remove_if_unreferenced(uow, blobs, sha256)
