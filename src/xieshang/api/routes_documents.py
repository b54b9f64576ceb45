"""``/api/documents``: the evidence vault.  Uploads are multipart (``file``, ``kind``, optional
``loan_id``), checked by content; downloads are always attachments with ``nosniff`` and a
sandboxing CSP, never rendered inline.

``?borrower_id=`` on the list and on POST lets a granted counselor or consented lender staff
(reading only) act on a borrower.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile

from xieshang.security.uploads import download_headers
from xieshang.services import documents

from .deps import ActorDep, ContainerDep, IdempotencyKeyDep, PageDep
from .idempotent_post import created_response
from .schemas_data import MAX_ID, DocumentOut, DocumentPage, PathId, dumped, page_of

router = APIRouter(tags=["documents"])

BorrowerQuery = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="The borrower acted for (default: yourself).")
]


@router.get("/api/documents", response_model=DocumentPage, summary="List documents")
def list_documents(
    container: ContainerDep,
    actor: ActorDep,
    page: PageDep,
    borrower_id: BorrowerQuery = None,
    loan_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> DocumentPage:
    found = documents.list_documents(
        container.uow(),
        actor,
        borrower_id or actor.user_id,
        limit=page.limit,
        offset=page.offset,
        loan_id=loan_id,
    )
    return page_of(DocumentPage, found, DocumentOut.of)


@router.post(
    "/api/documents",
    status_code=201,
    response_model=DocumentOut,
    summary="Upload a document (PDF, image, text/CSV; Idempotency-Key accepted)",
)
def upload_document(
    *,
    request: Request,
    container: ContainerDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    file: Annotated[UploadFile, File(description="The file; its content decides its type.")],
    kind: Annotated[str, Form(max_length=64)] = "other",
    loan_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    borrower_id: BorrowerQuery = None,
) -> Response:
    target = borrower_id or actor.user_id
    limit = container.settings.max_upload_bytes
    data = file.file.read(limit + 1)  # one byte more than allowed tells "too large"
    filename = file.filename or ""

    def produce() -> tuple[int, Any]:
        view = documents.upload_document(
            container.uow(),
            container.blobs,
            actor,
            target,
            filename=filename,
            declared_type=file.content_type,
            data=data,
            kind=kind,
            loan_id=loan_id,
            max_bytes=limit,
            now=container.clock(),
        )
        return 201, dumped(DocumentOut.of(view))

    fingerprint = {
        "borrower_id": target,
        "sha256": hashlib.sha256(data).hexdigest(),
        "filename": filename,
        "kind": kind,
        "loan_id": loan_id,
    }
    return created_response(
        request, container=container, actor=actor, key=key, fingerprint=fingerprint, produce=produce
    )


@router.get(
    "/api/documents/{document_id}", response_model=DocumentOut, summary="A document's metadata"
)
def get_document(document_id: PathId, container: ContainerDep, actor: ActorDep) -> DocumentOut:
    return DocumentOut.of(documents.get_document(container.uow(), actor, document_id))


@router.get(
    "/api/documents/{document_id}/content",
    summary="Download a document (always as an attachment)",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def download_document(document_id: PathId, container: ContainerDep, actor: ActorDep) -> Response:
    content = documents.read_document(container.uow(), container.blobs, actor, document_id)
    doc = content.document
    return Response(content=content.data, headers=download_headers(doc.filename, doc.media_type))


@router.delete(
    "/api/documents/{document_id}",
    status_code=204,
    summary="Delete a document (its file goes with the last document that uses it)",
)
def delete_document(document_id: PathId, container: ContainerDep, actor: ActorDep) -> Response:
    documents.delete_document(container.uow(), container.blobs, actor, document_id)
    return Response(status_code=204)
