"""The collection-conduct log and the complaint draft, for the borrower's file (the borrower's
own, or the client a counselor works on: ``borrower_subject``).

``/conduct`` lists the contacts recorded (oldest first, times on the rules' local clock) and
the flags the published rules raise on them, in plain words with the rule cited;
``/conduct/new`` records a contact (checked by ``services.conduct``; a refused form comes back
with the message beside its field and what was typed kept); ``/conduct/complaint`` shows the
complaint draft to one flagged organisation in either language, and with ``format=pdf`` or
``format=text`` answers the file itself, as ``/api/conduct/complaint`` does;
``/conduct/{id}/delete`` removes a record made by mistake (a linked case's log keeps a note).
Lender staff never reach any of it (403), as the services never show them the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from xieshang.data.conduct import load_conduct_rules
from xieshang.domain.conduct import Channel, Contacted
from xieshang.domain.errors import DomainError
from xieshang.services import cases, conduct, conduct_complaint
from xieshang.services.conduct import MAX_NAME, MAX_NOTE, ContactView, FlagView, organisation_key
from xieshang.services.loans import local_today

from .lang import page_lang
from .render import render
from .session import container_of, page_router
from .subject import Subject, borrower_subject

router = page_router()

LIST_LIMIT = 500  # the services' largest page
CASE_LIMIT = 200
CHANNELS = tuple(c.value for c in Channel)
CONTACTED = tuple(c.value for c in Contacted)
FIELDS = ("at", "organisation", "channel", "contacted", "caller", "effective", "note", "case_id")
LETTER_LANGS = ("zh", "en")
FILE_FORMATS = ("pdf", "text")
MAX_TYPED = 4 * MAX_NOTE  # what a refused form echoes back at most
MAX_AT = 40

Text = Annotated[str, Form()]


@dataclass(frozen=True, slots=True)
class ContactRow:
    """A contact as the log shows it: its number in the log and its local wall time."""

    number: int
    local: datetime
    contact: ContactView


@dataclass(frozen=True, slots=True)
class FlagRow:
    """A flag with the log numbers of the contacts it cites."""

    flag: FlagView
    numbers: str


def _all_contacts(request: Request, subject: Subject) -> list[ContactView]:
    """Every contact of the file, oldest first (page by page)."""
    container = container_of(request)
    found: list[ContactView] = []
    while True:
        page = conduct.list_contacts(
            container.uow(), subject.actor, subject.borrower_id, limit=LIST_LIMIT, offset=len(found)
        )
        found.extend(page.items)
        if not page.items or len(found) >= page.total:
            return found


def _contacts(request: Request, subject: Subject) -> tuple[list[ContactRow], list[FlagRow], str]:
    """Every contact of the file with its number, the flags over them, and the rules' zone."""
    found = conduct.review(container_of(request).uow(), subject.actor, subject.borrower_id)
    zone = ZoneInfo(found.timezone)
    contacts = _all_contacts(request, subject)
    rows = [ContactRow(n, v.at.astimezone(zone), v) for n, v in enumerate(contacts, start=1)]
    number = {row.contact.id: row.number for row in rows}
    flags = [
        FlagRow(f, ", ".join(str(number[i]) for i in f.contact_ids if i in number))
        for f in found.flags
    ]
    return rows, flags, found.timezone


def flagged_organisations(flags: list[FlagRow]) -> list[str]:
    """Each organisation with a flag once (as first written), in the flags' order.

    >>> from datetime import date
    >>> def f(org):
    ...     return FlagRow(FlagView("c", "r", org, date(2026, 1, 1), "", "", "", "", (1,)), "1")
    >>> flagged_organisations([f("Quick Cash"), f("quick  cash"), f("B")])
    ['Quick Cash', 'B']
    """
    seen: dict[str, str] = {}
    for row in flags:
        seen.setdefault(organisation_key(row.flag.organisation), row.flag.organisation)
    return list(seen.values())


@router.get("/conduct")
def conduct_log(request: Request, recorded: str = "", deleted: str = "") -> Response:
    subject = borrower_subject(request)
    rows, flags, timezone = _contacts(request, subject)
    just = next((r for r in rows if recorded.isdigit() and str(r.contact.id) == recorded), None)
    rules = load_conduct_rules()
    return render(
        request,
        "conduct",
        user=subject.actor,
        rows=rows,
        flags=flags,
        timezone=timezone,
        organisations=flagged_organisations(flags),
        recorded=just,
        deleted=deleted == "1",
        retention=rules.record_retention,
    )


# ---------------------------------------------------------------------------------------------
# recording a contact


def _now_local(request: Request) -> str:
    """Now on the rules' wall clock, as a ``datetime-local`` field wants it."""
    now = container_of(request).clock().astimezone(ZoneInfo(load_conduct_rules().timezone))
    return now.strftime("%Y-%m-%dT%H:%M")


def _case_choices(request: Request, subject: Subject) -> list[cases.CaseView]:
    container = container_of(request)
    found, _ = cases.list_cases(
        container.uow(),
        subject.actor,
        borrower_id=subject.borrower_id,
        limit=CASE_LIMIT,
        offset=0,
        now=container.clock(),
    )
    return found


def _known_organisations(request: Request, subject: Subject) -> list[str]:
    """The organisations already in the log (as first written), offered while typing."""
    seen: dict[str, str] = {}
    for view in _all_contacts(request, subject):
        seen.setdefault(organisation_key(view.organisation), view.organisation)
    return sorted(seen.values())


def _form_page(
    request: Request,
    subject: Subject,
    form: dict[str, str],
    errors: dict[str, DomainError],
    *,
    status: int = 200,
) -> Response:
    return render(
        request,
        "conduct_new",
        user=subject.actor,
        status=status,
        form=form,
        errors=errors,
        channels=CHANNELS,
        contacted_kinds=CONTACTED,
        cases=_case_choices(request, subject),
        known=_known_organisations(request, subject),
        max_name=MAX_NAME,
        max_note=MAX_NOTE,
    )


def parse_at(value: str) -> datetime:
    """The typed time (``2026-11-29T23:30`` as a browser sends it, or with a space; a zone
    may be given), or ``DomainError`` on the ``at`` field.

    >>> parse_at("2026-11-29 23:30"), parse_at(" 2026-11-29T23:30 ")
    (datetime.datetime(2026, 11, 29, 23, 30), datetime.datetime(2026, 11, 29, 23, 30))
    >>> try:
    ...     parse_at("yesterday")
    ... except DomainError as refused:
    ...     print(refused.code, refused.field)
    conduct.time_invalid at
    """
    typed = value.strip()
    if not typed:
        raise DomainError("conduct.field_required", field="at")
    try:
        return datetime.fromisoformat(typed.replace(" ", "T", 1))
    except ValueError:
        raise DomainError("conduct.time_invalid", field="at", value=typed[:MAX_AT]) from None


def parse_case(value: str) -> int | None:
    """The chosen case id, None for none; anything else is not one of the borrower's cases."""
    typed = value.strip()
    if not typed:
        return None
    if not typed.isdigit() or len(typed) > 18:
        raise DomainError("access.not_found", field="case_id")
    return int(typed)


@router.get("/conduct/new")
def new_contact_page(request: Request) -> Response:
    subject = borrower_subject(request)
    form = {
        "at": _now_local(request),
        "organisation": "",
        "channel": Channel.CALL.value,
        "contacted": Contacted.DEBTOR.value,
        "caller": "",
        "effective": "1",
        "note": "",
        "case_id": "",
    }
    return _form_page(request, subject, form, {})


@router.post("/conduct/new")
def record_contact(
    request: Request,
    *,
    at: Text = "",
    organisation: Text = "",
    channel: Text = "",
    contacted: Text = "",
    caller: Text = "",
    effective: Text = "",
    note: Text = "",
    case_id: Text = "",
) -> Response:
    subject = borrower_subject(request)
    container = container_of(request)
    form = {
        "at": at[:MAX_AT],
        "organisation": organisation[:MAX_TYPED],
        "channel": channel[:MAX_AT],
        "contacted": contacted[:MAX_AT],
        "caller": caller[:MAX_TYPED],
        "effective": "1" if effective else "",
        "note": note[:MAX_TYPED],
        "case_id": case_id[:MAX_AT],
    }
    try:
        data = conduct.ContactInput(
            at=parse_at(at),
            organisation=organisation,
            channel=channel,
            contacted=contacted,
            caller=caller,
            effective=bool(effective),
            note=note,
            case_id=parse_case(case_id),
        )
        view = conduct.record_contact(
            container.uow(),
            subject.actor,
            subject.borrower_id,
            data,
            now=container.clock(),
            sign=container.instance_key.sign,
        )
    except DomainError as error:
        if error.code in ("access.not_found", "access.forbidden") and error.field != "case_id":
            raise
        field = error.field if error.field in FIELDS else "form"
        return _form_page(request, subject, form, {field: error}, status=400)
    return RedirectResponse(f"/conduct?recorded={view.id}#contact-{view.id}", status_code=303)


@router.post("/conduct/{contact_id}/delete")
def delete_contact(request: Request, contact_id: int) -> Response:
    """Delete a record of the file shown (a counselor's other clients' records are not
    reached from here, whatever their grants); not in this file → "not found"."""
    subject = borrower_subject(request)
    container = container_of(request)
    if not any(c.id == contact_id for c in _all_contacts(request, subject)):
        raise DomainError("access.not_found", field=conduct.CONTACT)
    conduct.delete_contact(
        container.uow(),
        subject.actor,
        contact_id,
        now=container.clock(),
        sign=container.instance_key.sign,
    )
    return RedirectResponse("/conduct?deleted=1", status_code=303)


# ---------------------------------------------------------------------------------------------
# the complaint draft


def _letter_file(letter: conduct_complaint.RenderedLetter) -> Response:
    return Response(
        content=letter.data,
        media_type=letter.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{letter.filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/conduct/complaint")
def complaint(
    request: Request, organisation: str = "", lang: str = "", format: str = ""
) -> Response:
    """The draft to ``organisation`` (the only flagged one when there is one) in ``lang``
    (default: the page's); ``format=pdf|text`` downloads it."""
    subject = borrower_subject(request)
    container = container_of(request)
    _, flags, _ = _contacts(request, subject)
    choices = flagged_organisations(flags)
    letter_lang = lang if lang in LETTER_LANGS else page_lang(request)
    chosen = " ".join(organisation.split())[: MAX_NAME + 1]
    if not chosen and len(choices) == 1:
        chosen = choices[0]
    paragraphs: list[str] = []
    errors: dict[str, DomainError] = {}
    if chosen:
        fmt = format if format in FILE_FORMATS else "text"
        try:
            letter = conduct_complaint.complaint_for(
                container.uow(),
                subject.actor,
                subject.borrower_id,
                organisation=chosen,
                lang=letter_lang,
                made_on=local_today(container.clock()),
                fmt=fmt,
            )
        except DomainError as error:
            if error.code.startswith("access."):
                raise
            errors["organisation"] = error
        else:
            if format in FILE_FORMATS:
                return _letter_file(letter)
            body = letter.data.decode("utf-8").replace("\r\n", "\n")
            paragraphs = [p.strip("\n") for p in body.split("\n\n") if p.strip()]
    return render(
        request,
        "conduct_complaint",
        user=subject.actor,
        status=400 if errors else 200,
        choices=choices,
        chosen=chosen,
        letter_lang=letter_lang,
        paragraphs=paragraphs,
        errors=errors,
    )
