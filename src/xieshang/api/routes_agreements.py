"""``/api/cases/{case_id}/agreement``: the agreement an accepted offer became — its terms and
schedule, who signed, the consent sentence a signer confirms, the document's SHA-256 — its
PDF (the sealed one once both have signed), a convenience HTML or text rendering in either
language, and signing; and ``/api/cases/{case_id}/bundle.zip``, the case's evidence bundle.

Signing needs the password (or a TOTP code) again.  A wrong one answers 403
``signature.reentry_failed`` — the session is fine, the re-entry was not, so it is not a 401
that would log the client out — and counts as a failed login: after as many failures as the
login throttle allows, signing and logging in both answer 429 ``auth.throttled``.

Files are always attachments, never sniffed, with a sandboxing content policy.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from xieshang.services import agreements, case_export
from xieshang.services.agreement_signing import sign_with_reentry
from xieshang.services.agreements import AgreementView

from .deps import ActorDep, ContainerDep
from .routes_auth import client_key, rules_of
from .schemas_data import Input, PathId

router = APIRouter(tags=["agreements"])

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", examples=["9f2c" * 16])]
LangQuery = Annotated[
    Literal["zh", "en"] | None,
    Query(description="The language of a convenience rendering (default: the agreement's)."),
]
PDF = "application/pdf"
ZIP = "application/zip"


def attachment(data: bytes, filename: str, media_type: str) -> Response:
    """``data`` as a download named ``filename`` (ASCII), never rendered by the browser."""
    return Response(
        content=data,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''"
            + quote(filename, safe=""),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )


def file_responses(media_type: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}}


class SignatureOut(BaseModel):
    party: str
    signer: str
    method: str
    signed_at: datetime
    document_sha256: str
    event_hash: str


class AgreementOut(BaseModel):
    """The agreement: ``terms`` as stored (money as decimal strings, dates ISO), with the
    new ``schedule`` rows; ``consent_text`` is the sentence a signer must send back exactly;
    ``document_sha256`` the digest of the PDF a signer saw (``agreement.pdf`` before it is
    sealed), ``sealed_sha256`` that of the sealed PDF."""

    id: int
    case_id: int
    ref: str
    offer_number: int
    lang: str
    status: str
    document_sha256: str
    sealed_sha256: str | None
    sealed_at: datetime | None
    consent_text: str
    signatures: list[SignatureOut]
    schedule: list[dict[str, Any]]
    terms: dict[str, Any]

    @classmethod
    def of(cls, v: AgreementView) -> AgreementOut:
        return cls(
            id=v.id,
            case_id=v.case_id,
            ref=v.ref,
            offer_number=v.offer_number,
            lang=v.lang,
            status=v.status,
            document_sha256=v.document_sha256,
            sealed_sha256=v.sealed_sha256,
            sealed_at=v.sealed_at,
            consent_text=v.consent_text,
            signatures=[SignatureOut(**s) for s in v.signatures],
            schedule=list(v.terms.get("schedule", [])),
            terms=v.terms,
        )


class SignIn(Input):
    """A signature: the digest of the document the signer read, the consent sentence as
    shown, and the password or a TOTP code again.  ``for_platform``: the borrower side of an
    external platform's case records the platform's signature."""

    document_sha256: Sha256
    consent: Annotated[str, Field(min_length=1, max_length=2000)]
    password: Annotated[str | None, Field(min_length=1, max_length=1024)] = None
    totp_code: Annotated[str | None, Field(min_length=6, max_length=8)] = None
    for_platform: bool = False


@router.get(
    "/api/cases/{case_id}/agreement", response_model=AgreementOut, summary="A case's agreement"
)
def get_agreement(case_id: PathId, container: ContainerDep, actor: ActorDep) -> AgreementOut:
    return AgreementOut.of(agreements.get_agreement(container.uow(), actor, case_id))


def _document(
    container: ContainerDep, actor: ActorDep, case_id: int, fmt: str, lang: str | None
) -> tuple[bytes, str]:
    return agreements.agreement_document(
        container.uow(), container.blobs, actor, case_id, fmt=fmt, lang=lang
    )


@router.get(
    "/api/cases/{case_id}/agreement.pdf",
    summary="The agreement PDF (sealed once both parties signed)",
    response_class=Response,
    responses=file_responses(PDF),
)
def agreement_pdf(case_id: PathId, container: ContainerDep, actor: ActorDep) -> Response:
    data, media_type = _document(container, actor, case_id, "pdf", None)
    return attachment(data, f"agreement-{case_id}.pdf", media_type)


@router.get(
    "/api/cases/{case_id}/agreement.html",
    summary="The agreement as an HTML page (another language: a convenience translation)",
    response_class=Response,
    responses=file_responses("text/html"),
)
def agreement_html(
    case_id: PathId, container: ContainerDep, actor: ActorDep, lang: LangQuery = None
) -> Response:
    data, media_type = _document(container, actor, case_id, "html", lang)
    return attachment(data, f"agreement-{case_id}.html", media_type)


@router.get(
    "/api/cases/{case_id}/agreement.txt",
    summary="The agreement as plain text (another language: a convenience translation)",
    response_class=Response,
    responses=file_responses("text/plain"),
)
def agreement_txt(
    case_id: PathId, container: ContainerDep, actor: ActorDep, lang: LangQuery = None
) -> Response:
    data, media_type = _document(container, actor, case_id, "text", lang)
    return attachment(data, f"agreement-{case_id}.txt", media_type)


@router.post(
    "/api/cases/{case_id}/agreement/sign",
    response_model=AgreementOut,
    summary="Sign the agreement for your side (password or TOTP again; the second seals)",
)
def sign(
    case_id: PathId,
    body: SignIn,
    request: Request,
    container: ContainerDep,
    actor: ActorDep,
) -> AgreementOut:
    view = sign_with_reentry(
        container.uow,
        container.blobs,
        actor,
        case_id,
        document_sha256=body.document_sha256,
        consent=body.consent,
        password=body.password,
        totp_code=body.totp_code,
        for_platform=body.for_platform,
        client_key=client_key(request),
        rules=rules_of(container),
        now=container.clock(),
        key=container.instance_key,
    )
    return AgreementOut.of(view)


@router.get(
    "/api/cases/{case_id}/bundle.zip",
    summary="The case's evidence bundle (check it offline with `xieshang evidence verify`)",
    response_class=Response,
    responses=file_responses(ZIP),
)
def bundle(case_id: PathId, container: ContainerDep, actor: ActorDep) -> Response:
    data = case_export.export_bundle(
        container.uow(),
        container.blobs,
        actor,
        case_id,
        key=container.instance_key,
        now=container.clock(),
    )
    return attachment(data, case_export.bundle_filename(case_id), ZIP)
