"""``/api/cases/{case_id}/letters``: the request package — the hardship statement
(``hardship_statement``, 财务状况说明) and the request letter (``request_letter``, 协商还款申请书)
of a case, each in ``zh`` and ``en``.

* ``POST …/letters`` generates (or regenerates) all four from the borrower's statement, the
  case's loans and the proposal (``terms`` given, else the standing or first offer), with the
  hardship ``reason`` the borrower writes; letters already edited are kept unless
  ``replace_edited``, letters already sent are never touched.
* ``GET …/letters`` lists them; ``GET …/letters/{kind}?lang=&format=`` gives one as JSON
  (default) or renders it as ``text``, ``html`` or ``pdf`` — exactly the stored, possibly
  edited text; a sent letter's PDF is the very file that was sent.
* ``PUT …/letters/{kind}?lang=`` replaces the text (``edited`` becomes true); 409
  ``letter.already_sent`` once sent.
* ``POST …/letters/{kind}/send?lang=`` freezes it: the PDF's SHA-256 and the text go into the
  case log as a ``document`` event.

The borrower side writes; lender staff of the case read a letter only once it was sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from xieshang.services import request_package
from xieshang.services.request_package import LetterView

from .deps import ActorDep, ContainerDep
from .routes_agreements import attachment
from .schemas_data import Input, PathId

router = APIRouter(tags=["letters"])

Kind = Annotated[
    Literal["hardship_statement", "request_letter"],
    Path(description="hardship_statement (财务状况说明) or request_letter (协商还款申请书)"),
]
Lang = Annotated[Literal["zh", "en"], Query(description="The letter's language.")]
Format = Annotated[
    Literal["json", "text", "html", "pdf"],
    Query(alias="format", description="json (default): the letter and its state; or a file."),
]


class LetterOut(BaseModel):
    """A letter: ``text`` is the body (the title is separate); once ``sent``, the text that
    was sent and the SHA-256 of the PDF that was sent (``sent_sha256``), as the case log
    records them (``sent_event_hash``)."""

    case_id: int
    kind: str
    lang: str
    title: str
    text: str
    edited: bool
    sent: bool
    sent_at: datetime | None
    sent_event_hash: str | None
    sent_sha256: str | None
    updated_at: datetime

    @classmethod
    def of(cls, v: LetterView) -> LetterOut:
        return cls(
            case_id=v.case_id,
            kind=v.kind,
            lang=v.lang,
            title=v.title,
            text=v.text,
            edited=v.edited,
            sent=v.sent,
            sent_at=v.sent_at,
            sent_event_hash=v.sent_event_hash,
            sent_sha256=v.sent_sha256,
            updated_at=v.updated_at,
        )


class LetterList(BaseModel):
    items: list[LetterOut]


class GenerateIn(Input):
    """What the borrower adds: the hardship ``reason`` in their own words, an optional
    ``contact`` line, and optionally the ``terms`` to propose (the same shape as an offer's;
    default: the standing offer, else the round's first)."""

    reason: Annotated[str, Field(max_length=4000)] = ""
    contact: Annotated[str, Field(max_length=200)] = ""
    terms: dict[str, Any] | None = None
    replace_edited: bool = False


class LetterTextIn(Input):
    text: Annotated[str, Field(min_length=1, max_length=200_000)]


@router.post(
    "/api/cases/{case_id}/letters",
    response_model=LetterList,
    summary="Generate the hardship statement and the request letter (zh and en) for editing",
)
def generate(
    case_id: PathId, body: GenerateIn, container: ContainerDep, actor: ActorDep
) -> LetterList:
    views = request_package.generate_letters(
        container.uow(),
        actor,
        case_id,
        reason=body.reason,
        contact=body.contact,
        terms=body.terms,
        replace_edited=body.replace_edited,
        now=container.clock(),
    )
    return LetterList(items=[LetterOut.of(v) for v in views])


@router.get("/api/cases/{case_id}/letters", response_model=LetterList, summary="A case's letters")
def list_letters(case_id: PathId, container: ContainerDep, actor: ActorDep) -> LetterList:
    views = request_package.list_letters(container.uow(), actor, case_id)
    return LetterList(items=[LetterOut.of(v) for v in views])


@router.get(
    "/api/cases/{case_id}/letters/{kind}",
    response_model=LetterOut,
    summary="One letter: as JSON, or rendered as text, HTML or PDF",
    responses={
        200: {
            "content": {
                "text/plain": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
)
def get_letter(
    case_id: PathId,
    kind: Kind,
    *,
    container: ContainerDep,
    actor: ActorDep,
    lang: Lang = "zh",
    fmt: Format = "json",
) -> Any:
    if fmt == "json":
        view = request_package.get_letter(container.uow(), actor, case_id, kind, lang=lang)
        return LetterOut.of(view)
    data, media_type = request_package.letter_document(
        container.uow(),
        container.blobs,
        actor,
        case_id,
        kind,
        lang=lang,
        fmt=fmt,
        now=container.clock(),
    )
    return attachment(data, request_package.letter_filename(kind, lang, fmt), media_type)


@router.put(
    "/api/cases/{case_id}/letters/{kind}",
    response_model=LetterOut,
    summary="Replace a letter's text before it is sent",
)
def edit_letter(
    case_id: PathId,
    kind: Kind,
    *,
    lang: Lang,
    body: LetterTextIn,
    container: ContainerDep,
    actor: ActorDep,
) -> LetterOut:
    view = request_package.edit_letter(
        container.uow(), actor, case_id, kind, lang=lang, text=body.text, now=container.clock()
    )
    return LetterOut.of(view)


@router.post(
    "/api/cases/{case_id}/letters/{kind}/send",
    response_model=LetterOut,
    summary="Send a letter: its PDF's SHA-256 and text go into the case log; no more edits",
)
def send_letter(
    case_id: PathId, kind: Kind, *, lang: Lang, container: ContainerDep, actor: ActorDep
) -> LetterOut:
    view = request_package.send_letter(
        container.uow(),
        container.blobs,
        actor,
        case_id,
        kind,
        lang=lang,
        now=container.clock(),
        sign=container.instance_key.sign,
    )
    return LetterOut.of(view)
