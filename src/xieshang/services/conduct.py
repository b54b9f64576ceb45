"""The collection-conduct log: a borrower's record of collection contacts, reviewed against
the published rules, and a complaint drafted from what was flagged.

The records are the borrower's evidence *against* collectors, so only the borrower and a
counselor they granted access to may read or write them; a lender's agent or supervisor never
sees them, whatever the borrower shared with that lender (they answer "not found").  The
caller's details and the note are encrypted at rest (the table's ``EncryptedText`` columns).

Rules are judged per collector: the contacts recorded under one organisation name are reviewed
together (``review_contacts``), so a fourth call in a day is the fourth call *by that
organisation*, and a complaint to it lists only its own contacts.  A contact may be linked to
one of the borrower's cases; it is then also appended to that case's evidence log as a
``collection_contact`` entry — without the caller or the note, because the counterparty of a
case reads its log.  Deleting a record made by mistake appends a matching ``deleted`` entry;
the log itself is never changed.

The pure part (checking input, reviewing records, drafting and rendering the complaint) needs
no database and is what ``xieshang conduct check`` uses for a CSV file.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from xieshang.data.conduct import load_conduct_rules
from xieshang.domain.conduct import (
    Channel,
    ConductFlag,
    ConductRules,
    Contact,
    Contacted,
    review_contacts,
)
from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import EntryKind
from xieshang.store.models import CollectionContactRow
from xieshang.store.repositories import Page, check_page
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor, not_found
from .case_log import Signer, actor_label, append_event

MAX_NAME = 200
MAX_NOTE = 2000
# A contact before this is a typo; one more than a day ahead of the clock too (a day allows
# for a phone whose clock or zone is off).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
CONTACT = "collection_contact"


# ---------------------------------------------------------------------------------------------
# input


@dataclass(frozen=True, slots=True)
class ContactInput:
    """A contact as typed: ``at`` with or without a zone (without: the rules' local time,
    Asia/Shanghai); ``organisation`` is the lender or collection agency the caller spoke for."""

    at: datetime
    organisation: str
    channel: str
    contacted: str
    caller: str = ""
    effective: bool = True
    note: str = ""
    case_id: int | None = None


def _text(value: object, field: str, *, limit: int, required: bool, lines: bool) -> str:
    """Trimmed text; one line (inner whitespace collapsed) unless ``lines``; no control
    characters (other than newline and tab in notes) and no lone surrogates."""
    if not isinstance(value, str):
        raise DomainError("conduct.field_required", field=field)
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not lines:
        text = " ".join(text.split())
    if required and not text:
        raise DomainError("conduct.field_required", field=field)
    if len(text) > limit:
        raise DomainError("conduct.text_too_long", field=field, limit=limit)
    for ch in text:
        if ch not in "\n\t" and unicodedata.category(ch) in ("Cc", "Cs"):
            raise DomainError("conduct.text_control_characters", field=field)
    return text


def contact_time(at: datetime, rules: ConductRules, *, now: datetime) -> datetime:
    """The contact's time in UTC; a time without a zone is the rules' local wall time.

    >>> rules = load_conduct_rules()
    >>> now = datetime(2026, 3, 2, tzinfo=UTC)
    >>> contact_time(datetime(2026, 3, 1, 22, 0), rules, now=now).isoformat()
    '2026-03-01T14:00:00+00:00'
    """
    if not isinstance(at, datetime):
        raise DomainError("conduct.time_invalid", field="at", value=str(at))
    aware = at if at.utcoffset() is not None else at.replace(tzinfo=ZoneInfo(rules.timezone))
    latest = now + FUTURE_SLACK
    try:
        utc = aware.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 with an offset that leaves the calendar
        utc = None
    if utc is None or not EARLIEST <= utc <= latest:
        raise DomainError(
            "conduct.time_out_of_range",
            field="at",
            value=at.isoformat(),
            earliest=EARLIEST.date().isoformat(),
            latest=latest.date().isoformat(),
        )
    return utc


def checked_contact(
    data: ContactInput, rules: ConductRules, *, now: datetime
) -> tuple[str, Contact]:
    """The organisation's name (cleaned) and the domain ``Contact``, or a ``DomainError``
    naming the field."""
    at = contact_time(data.at, rules, now=now)
    organisation = _text(
        data.organisation, "organisation", limit=MAX_NAME, required=True, lines=False
    )
    caller = _text(data.caller, "caller", limit=MAX_NAME, required=False, lines=False)
    note = _text(data.note, "note", limit=MAX_NOTE, required=False, lines=True)
    if not isinstance(data.effective, bool):
        raise DomainError("conduct.effective_invalid", field="effective", value=str(data.effective))
    # The domain turns the channel and contacted texts into its enums (or names the field).
    channel, contacted = cast(Channel, data.channel), cast(Contacted, data.contacted)
    return organisation, Contact(at, caller, channel, contacted, data.effective, note)


# ---------------------------------------------------------------------------------------------
# review (pure)


@dataclass(frozen=True, slots=True)
class RecordedContact:
    """A contact with the id it is known by (a record id, or a CSV line) and its organisation."""

    id: int
    organisation: str
    contact: Contact


@dataclass(frozen=True, slots=True)
class FlagView:
    """A rule that the listed contacts (ids) of one organisation appear to break."""

    code: str
    rule_id: str
    organisation: str
    day: date
    severity: str
    confidence: str
    citation_zh: str
    citation_en: str
    contact_ids: tuple[int, ...]


def organisation_key(name: str) -> str:
    """Names that differ only in case or spacing are one organisation.

    >>> organisation_key("  Quick  Cash ") == organisation_key("quick cash")
    True
    """
    return " ".join(name.split()).casefold()


def _by_organisation(records: Sequence[RecordedContact]) -> dict[str, list[RecordedContact]]:
    groups: dict[str, list[RecordedContact]] = {}
    for record in records:
        groups.setdefault(organisation_key(record.organisation), []).append(record)
    return groups


def _flag_view(flag: ConductFlag, group: Sequence[RecordedContact]) -> FlagView:
    return FlagView(
        code=flag.code,
        rule_id=flag.rule_id,
        organisation=group[0].organisation,
        day=flag.day,
        severity=flag.severity,
        confidence=flag.confidence,
        citation_zh=flag.citation_zh,
        citation_en=flag.citation_en,
        contact_ids=tuple(group[i].id for i in flag.contacts),
    )


def review_recorded(
    records: Sequence[RecordedContact], rules: ConductRules
) -> tuple[FlagView, ...]:
    """Flags for every organisation's contacts, in the time order of their first contact.

    Contacts at the same moment count in the order of their ids, so the result does not depend
    on the order the records come in.
    """
    ordered = sorted(records, key=lambda r: (r.contact.at, r.id))
    place = {r.id: n for n, r in enumerate(ordered)}
    found: list[FlagView] = []
    for group in _by_organisation(ordered).values():
        flags = review_contacts([r.contact for r in group], rules)
        found.extend(_flag_view(flag, group) for flag in flags)
    # Stable: the flags of one contact keep the domain's order.
    return tuple(sorted(found, key=lambda f: place[f.contact_ids[0]]))


def flags_citing(flags: Sequence[FlagView], contact_id: int) -> tuple[FlagView, ...]:
    return tuple(f for f in flags if contact_id in f.contact_ids)


# ---------------------------------------------------------------------------------------------
# the stored log


@dataclass(frozen=True, slots=True)
class ContactView:
    """A stored contact (``at`` in UTC) with the flags that cite it."""

    id: int
    borrower_id: int
    case_id: int | None
    at: datetime
    organisation: str
    caller: str
    channel: str
    contacted: str
    effective: bool
    note: str
    created_at: datetime
    flags: tuple[FlagView, ...]


@dataclass(frozen=True, slots=True)
class ConductReview:
    """The flags over all of a borrower's contacts (or one organisation's)."""

    timezone: str
    contacts_reviewed: int
    flags: tuple[FlagView, ...]
    rules: ConductRules


def _require_access(uow: UnitOfWork, actor: Actor, borrower_id: int) -> None:
    """The borrower themself, or a counselor with an active grant; nobody else learns that
    the records exist (lender staff included, consent or not)."""
    if actor.role == "borrower" and actor.user_id == borrower_id:
        return
    if actor.role == "counselor" and uow.grants.active(borrower_id, actor.user_id) is not None:
        return
    raise not_found(CONTACT)


def _recorded(row: CollectionContactRow) -> RecordedContact:
    channel, contacted = Channel(row.channel), Contacted(row.contacted)
    contact = Contact(row.at, row.caller, channel, contacted, bool(row.effective), row.note)
    return RecordedContact(row.id, row.organisation_name, contact)


def _view(row: CollectionContactRow, flags: Sequence[FlagView]) -> ContactView:
    return ContactView(
        id=row.id,
        borrower_id=row.borrower_id,
        case_id=row.case_id,
        at=row.at,
        organisation=row.organisation_name,
        caller=row.caller,
        channel=row.channel,
        contacted=row.contacted,
        effective=bool(row.effective),
        note=row.note,
        created_at=row.created_at,
        flags=flags_citing(flags, row.id),
    )


def _rows_and_flags(
    uow: UnitOfWork, borrower_id: int, rules: ConductRules
) -> tuple[Sequence[CollectionContactRow], tuple[FlagView, ...]]:
    rows = uow.collection_contacts.all_for_borrower(borrower_id)  # oldest contact first
    return rows, review_recorded([_recorded(r) for r in rows], rules)


def _event_body(row: CollectionContactRow, action: str) -> dict[str, Any]:
    """What a case's log keeps of a contact: never the caller or the note (the case's
    counterparty reads the log; those stay encrypted in the borrower's record)."""
    return {
        "action": action,
        "contact_id": str(row.id),
        "at": row.at.astimezone(UTC).isoformat(),
        "organisation": row.organisation_name,
        "channel": row.channel,
        "contacted": row.contacted,
        "effective": bool(row.effective),
    }


def record_contact(
    uow: UnitOfWork,
    actor: Actor,
    borrower_id: int,
    data: ContactInput,
    *,
    now: datetime,
    rules: ConductRules | None = None,
    sign: Signer | None = None,
) -> ContactView:
    """Record a contact for the borrower (the borrower, or a granted counselor); with
    ``case_id`` (one of the borrower's cases) it also goes into that case's evidence log."""
    rules = rules or load_conduct_rules()
    organisation, contact = checked_contact(data, rules, now=now)
    with uow:
        _require_access(uow, actor, borrower_id)
        case = None
        if data.case_id is not None:
            case = uow.cases.get(data.case_id)
            if case is None or case.borrower_id != borrower_id:
                raise DomainError("access.not_found", field="case_id")
        row = uow.collection_contacts.add(
            CollectionContactRow(
                borrower_id=borrower_id,
                case_id=data.case_id,
                at=contact.at,
                caller=contact.caller,
                organisation_name=organisation,
                channel=contact.channel.value,
                contacted=contact.contacted.value,
                effective=int(contact.effective),
                note=contact.note,
                created_at=now,
            )
        )
        if case is not None:
            append_event(
                uow,
                case,
                kind=EntryKind.COLLECTION_CONTACT,
                actor=actor_label(actor),
                body=_event_body(row, "recorded"),
                at=now,
                sign=sign,
            )
        _, flags = _rows_and_flags(uow, borrower_id, rules)
        uow.commit()
        return _view(row, flags)


def list_contacts(
    uow: UnitOfWork,
    actor: Actor,
    borrower_id: int,
    *,
    limit: int,
    offset: int,
    rules: ConductRules | None = None,
) -> Page[ContactView]:
    """One page of the borrower's contacts, oldest first, each with the flags citing it
    (reviewed over *all* the contacts, not just the page)."""
    check_page(limit, offset)
    with uow:
        _require_access(uow, actor, borrower_id)
        rows, flags = _rows_and_flags(uow, borrower_id, rules or load_conduct_rules())
        items = tuple(_view(r, flags) for r in rows[offset : offset + limit])
        return Page(items, len(rows), limit, offset)


def delete_contact(
    uow: UnitOfWork, actor: Actor, contact_id: int, *, now: datetime, sign: Signer | None = None
) -> None:
    """Delete a record made by mistake; a linked case's log gets a ``deleted`` entry."""
    with uow:
        row = uow.collection_contacts.get(contact_id)
        if row is None:
            raise not_found(CONTACT)
        _require_access(uow, actor, row.borrower_id)
        case = None if row.case_id is None else uow.cases.get(row.case_id)
        if case is not None:
            append_event(
                uow,
                case,
                kind=EntryKind.COLLECTION_CONTACT,
                actor=actor_label(actor),
                body=_event_body(row, "deleted"),
                at=now,
                sign=sign,
            )
        uow.collection_contacts.delete(row)
        uow.commit()


def review(
    uow: UnitOfWork,
    actor: Actor,
    borrower_id: int,
    *,
    organisation: str | None = None,
    rules: ConductRules | None = None,
) -> ConductReview:
    """The flags over all of the borrower's contacts, or over one organisation's."""
    rules = rules or load_conduct_rules()
    with uow:
        _require_access(uow, actor, borrower_id)
        records = [_recorded(r) for r in uow.collection_contacts.all_for_borrower(borrower_id)]
    if organisation is not None:
        key = organisation_key(organisation)
        records = [r for r in records if organisation_key(r.organisation) == key]
    return ConductReview(rules.timezone, len(records), review_recorded(records, rules), rules)


def borrower_records(
    uow: UnitOfWork, actor: Actor, borrower_id: int
) -> tuple[str, tuple[RecordedContact, ...]]:
    """The borrower's name and every recorded contact (for the complaint draft)."""
    with uow:
        _require_access(uow, actor, borrower_id)
        user = uow.users.get(borrower_id)
        if user is None:
            raise not_found(CONTACT)
        rows = uow.collection_contacts.all_for_borrower(borrower_id)
        return user.display_name, tuple(_recorded(r) for r in rows)
