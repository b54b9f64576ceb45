"""The complaint draft from the collection-conduct log: one organisation's flagged contacts as
an editable letter (``documents.complaint``), as text, HTML or PDF.

The letter lists only the contacts recorded under that organisation, reviewed together — the
same grouping as ``services.conduct`` — so the daily call count in it is the organisation's
own.  ``draft_complaint`` and ``render_letter`` need no database (``xieshang conduct check``
uses them for a CSV file); ``complaint_for`` reads the stored log with the same access rule as
the log itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from xieshang.data.conduct import load_conduct_rules
from xieshang.documents.complaint import complaint_letter, local_time
from xieshang.documents.letters import Letter, letter_html, letter_pdf, letter_plain
from xieshang.domain.conduct import ConductRules, review_contacts
from xieshang.domain.errors import DomainError
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor
from .conduct import MAX_NAME, RecordedContact, borrower_records, organisation_key

FORMATS = ("text", "html", "pdf")
_MEDIA = {
    "text": ("text/plain; charset=utf-8", "txt"),
    "html": ("text/html; charset=utf-8", "html"),
    "pdf": ("application/pdf", "pdf"),
}


@dataclass(frozen=True, slots=True)
class RenderedLetter:
    """A letter as a file: its media type, a plain ASCII file name and the bytes."""

    media_type: str
    filename: str
    data: bytes


def contact_local_time(at: datetime, timezone: str) -> str:
    """A contact's time as the letter shows it: local wall clock with the UTC offset."""
    return local_time(at, timezone)


def draft_complaint(
    borrower: str,
    organisation: str,
    records: Sequence[RecordedContact],
    rules: ConductRules,
    *,
    lang: str,
    made_on: date,
) -> Letter:
    """The complaint to ``organisation`` from its recorded contacts; refuses a name with no
    records (``conduct.organisation_not_recorded``) and a log with nothing flagged
    (``complaint.nothing_flagged``)."""
    name = " ".join(organisation.split()) if isinstance(organisation, str) else ""
    if not name:
        raise DomainError("conduct.field_required", field="organisation")
    if len(name) > MAX_NAME:
        raise DomainError("conduct.text_too_long", field="organisation", limit=MAX_NAME)
    key = organisation_key(name)
    # In the order ``review_recorded`` counts them: by time, then id.
    mine = sorted(
        (r for r in records if organisation_key(r.organisation) == key),
        key=lambda r: (r.contact.at, r.id),
    )
    if not mine:
        raise DomainError("conduct.organisation_not_recorded", field="organisation", name=name)
    contacts = [r.contact for r in mine]
    flags = review_contacts(contacts, rules)
    # The organisation as the borrower first wrote it down.
    return complaint_letter(
        borrower, mine[0].organisation, contacts, flags, rules, lang=lang, made_on=made_on
    )


def render_letter(letter: Letter, fmt: str, *, made_on: date) -> RenderedLetter:
    """``letter`` as ``text``, ``html`` or ``pdf``."""
    if fmt not in _MEDIA:
        raise DomainError("conduct.format_unknown", field="format", value=fmt)
    media_type, extension = _MEDIA[fmt]
    if fmt == "pdf":
        data = letter_pdf(letter, made_on)
    elif fmt == "html":
        data = letter_html(letter).encode("utf-8")
    else:
        data = letter_plain(letter).encode("utf-8")
    filename = f"{letter.kind.replace('_', '-')}-{made_on.isoformat()}.{extension}"
    return RenderedLetter(media_type, filename, data)


def complaint_for(
    uow: UnitOfWork,
    actor: Actor,
    borrower_id: int,
    *,
    organisation: str,
    lang: str,
    made_on: date,
    fmt: str = "text",
    rules: ConductRules | None = None,
) -> RenderedLetter:
    """The complaint draft to ``organisation`` from the borrower's stored log."""
    if fmt not in _MEDIA:
        raise DomainError("conduct.format_unknown", field="format", value=fmt)
    borrower, records = borrower_records(uow, actor, borrower_id)
    letter = draft_complaint(
        borrower, organisation, records, rules or load_conduct_rules(), lang=lang, made_on=made_on
    )
    return render_letter(letter, fmt, made_on=made_on)
