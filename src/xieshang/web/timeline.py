"""A case's history for a page: the evidence log (what ``GET /api/cases/{id}/log`` returns) read
into entries a person can follow, and an offer's figures as a card.

Shared by the borrower's case page and the lender staff's case view; both include
``_timeline.html.j2`` (expects ``timeline``: a list of :class:`TimelineEntry`) and
``_offer_card.html.j2`` (expects ``offer``: an :class:`OfferCard` from :func:`offer_card`, and
``evaluation``: the services' ``OfferEvaluation`` or None).

Every entry is translatable: ``summary`` is a ``[ui]`` key with ``params``; ``texts`` names the
params that are themselves ``[ui]`` keys (a state, a side, a channel) to translate first.  The
log records who acted by role and user id only (``borrower:7``, ``agent:3 for platform``,
``instance``): ``actor_label`` is a ``[ui]`` key for that role, never a name or an email.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from xieshang.bootstrap import Container
from xieshang.domain.evidence import LogEntry
from xieshang.services import case_receipts
from xieshang.services.access import Actor
from xieshang.services.cases import OfferView
from xieshang.services.loans import CHINA

from .render import label

ACTOR_KEYS = {
    "borrower": "web_tl_by_borrower",
    "counselor": "web_tl_by_counselor",
    "agent": "web_tl_by_lender",
    "supervisor": "web_tl_by_lender",
    "instance": "web_tl_by_instance",
}
FOR_PLATFORM = " for platform"
STATES = frozenset(
    {
        "draft",
        "submitted",
        "under_review",
        "countered",
        "agreed",
        "signed",
        "active",
        "completed",
        "breached",
        "withdrawn",
        "rejected",
    }
)
CHANNELS = frozenset({"phone", "sms", "app", "email", "wechat", "letter", "visit", "other"})
MAX_DETAIL = 2000


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One log entry as a line of the case's history.

    ``summary``/``params``: what happened (a ``[ui]`` key and its values; the params named in
    ``texts`` are ``[ui]`` keys themselves); ``detail``: what a person wrote (a message, a call
    note's words) shown as typed; ``offer_id``: the offer's number for offers and acceptances;
    ``amount``: a payment's amount."""

    seq: int
    at: datetime
    kind: str
    actor_label: str
    summary: str
    params: Mapping[str, Any] = field(default_factory=dict)
    texts: frozenset[str] = frozenset()
    detail: str = ""
    offer_id: int | None = None
    amount: Decimal | None = None

    def text(self, lang: str) -> str:
        """The summary in ``lang``."""
        values = {k: label(str(v), lang) if k in self.texts else v for k, v in self.params.items()}
        return label(self.summary, lang, **values)

    def who(self, lang: str) -> str:
        return label(self.actor_label, lang)

    @property
    def local_at(self) -> datetime:
        """When, in China's time (the instance's users' clock)."""
        return self.at.astimezone(CHINA)


def actor_key(actor: str) -> str:
    """The ``[ui]`` key naming who made an entry.

    >>> actor_key("borrower:7"), actor_key("borrower:7 for platform"), actor_key("instance")
    ('web_tl_by_borrower', 'web_tl_by_platform', 'web_tl_by_instance')
    """
    if actor.endswith(FOR_PLATFORM):
        return "web_tl_by_platform"
    role = actor.split(":", 1)[0]
    return ACTOR_KEYS.get(role, "web_tl_by_other")


def _state_key(value: object) -> str:
    return f"case_state_{value}" if value in STATES else "web_tl_unknown"


def _side_key(value: object) -> str:
    return "cases_side_lender" if value == "lender" else "cases_side_borrower"


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _day(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _str(value: object) -> str:
    return value[:MAX_DETAIL] if isinstance(value, str) else ""


def entry_of(entry: LogEntry) -> TimelineEntry:
    """A log entry read as a line of history (an unknown kind is shown by its name)."""
    body = entry.body
    base: dict[str, Any] = {
        "seq": entry.seq,
        "at": entry.at,
        "kind": entry.kind,
        "actor_label": actor_key(entry.actor),
    }
    kind = entry.kind
    if kind == "state_change":
        action = body.get("action")
        if action == "open":
            return TimelineEntry(
                **base,
                summary="web_tl_opened",
                params={"counterparty": _str(body.get("counterparty"))},
            )
        return TimelineEntry(
            **base,
            summary="web_tl_moved",
            params={"from": _state_key(body.get("from")), "to": _state_key(body.get("to"))},
            texts=frozenset({"from", "to"}),
            detail=_str(body.get("reason")),
        )
    if kind in ("offer", "counter_offer"):
        number = _int(body.get("number"))
        figures = body.get("figures")
        total = _decimal(figures.get("total_to_pay")) if isinstance(figures, Mapping) else None
        return TimelineEntry(
            **base,
            summary="web_tl_offer",
            params={"number": number or "", "by": _side_key(body.get("by"))},
            texts=frozenset({"by"}),
            offer_id=number,
            amount=total,
        )
    if kind == "acceptance":
        number = _int(body.get("offer"))
        return TimelineEntry(
            **base,
            summary="web_tl_accepted",
            params={"number": number or "", "by": _side_key(body.get("by"))},
            texts=frozenset({"by"}),
            offer_id=number,
        )
    if kind == "refusal":
        return TimelineEntry(
            **base,
            summary="web_tl_rejected",
            params={"number": _int(body.get("offer")) or ""},
            detail=_str(body.get("reason")),
            offer_id=_int(body.get("offer")),
        )
    if kind == "message":
        if body.get("approval") == "beyond_policy":
            return TimelineEntry(**base, summary="web_tl_approved_beyond_policy")
        return TimelineEntry(**base, summary="web_tl_message", detail=_str(body.get("text")))
    if kind == "call_note":
        channel = body.get("channel")
        lines = [_str(body.get("text"))]
        if _str(body.get("result")):
            lines.append(_str(body.get("result")))
        return TimelineEntry(
            **base,
            summary="web_tl_call_note",
            params={
                "person": _str(body.get("person")) or "—",
                "channel": f"web_cases_channel_{channel}"
                if channel in CHANNELS
                else "web_tl_unknown",
            },
            texts=frozenset({"channel"}),
            detail=" — ".join(lines),
        )
    if kind == "document":
        return TimelineEntry(
            **base, summary="web_tl_document", params={"name": _str(body.get("name"))}
        )
    if kind == "agreement":
        sealed = body.get("sealed") is True
        return TimelineEntry(
            **base,
            summary="web_tl_agreement_sealed" if sealed else "web_tl_agreement_drawn",
            params={"ref": _str(body.get("ref"))},
            offer_id=_int(body.get("offer")),
        )
    if kind == "signature":
        return TimelineEntry(
            **base,
            summary="web_tl_signed",
            params={"party": _side_key(body.get("party"))},
            texts=frozenset({"party"}),
        )
    if kind == "payment":
        paid_on = _day(body.get("paid_on"))
        return TimelineEntry(
            **base,
            summary="web_tl_payment",
            params={
                "ref": _str(body.get("ref")),
                "day": "" if paid_on is None else paid_on.isoformat(),
            },
            amount=_decimal(body.get("amount")),
        )
    if kind == "collection_contact":
        return TimelineEntry(**base, summary="web_tl_collection_contact")
    return TimelineEntry(**base, summary="web_tl_other", params={"kind": kind})


def timeline(container: Container, actor: Actor, case_id: int) -> list[TimelineEntry]:
    """The case's history, oldest first, as ``actor`` may see it (the services check access:
    not a party → ``access.not_found``)."""
    report = case_receipts.log_report(container.uow(), actor, case_id)
    return [entry_of(e) for e in report.entries]


# ---------------------------------------------------------------- offers as cards


@dataclass(frozen=True, slots=True)
class InstallmentRow:
    n: int
    due_date: date | None
    payment: Decimal | None
    loan_id: str


@dataclass(frozen=True, slots=True)
class OfferCard:
    """An offer with its figures as numbers: the first and regular payment, the months, the
    total, what the contract and the law would ask, and the merged schedule."""

    view: OfferView
    number: int
    made_by: str
    status: str
    first_payment: Decimal | None
    regular_payment: Decimal | None
    months: int
    first_due: date | None
    last_due: date | None
    total_to_pay: Decimal | None
    contract_remaining: Decimal | None
    legally_protected: Decimal | None
    schedule: tuple[InstallmentRow, ...]

    @property
    def side_key(self) -> str:
        return _side_key(self.made_by)


def _sum(loans: list[Mapping[str, Any]], name: str) -> Decimal | None:
    values = [_decimal(loan.get(name)) for loan in loans]
    known = [v for v in values if v is not None]
    return sum(known, Decimal(0)) if known else None


def offer_card(offer: OfferView) -> OfferCard:
    figures = offer.figures if isinstance(offer.figures, Mapping) else {}
    raw_rows = figures.get("schedule") or []
    rows = tuple(
        InstallmentRow(
            n=_int(r.get("n")) or 0,
            due_date=_day(r.get("due_date")),
            payment=_decimal(r.get("payment")),
            loan_id=_str(r.get("loan_id")),
        )
        for r in raw_rows
        if isinstance(r, Mapping)
    )
    loans = [x for x in figures.get("loans") or [] if isinstance(x, Mapping)]
    dues = sorted(r.due_date for r in rows if r.due_date is not None)
    return OfferCard(
        view=offer,
        number=offer.number,
        made_by=offer.made_by,
        status=offer.status,
        first_payment=rows[0].payment if rows else None,
        regular_payment=_decimal(figures.get("regular_payment")),
        months=len(set(dues)),
        first_due=dues[0] if dues else None,
        last_due=dues[-1] if dues else None,
        total_to_pay=_decimal(figures.get("total_to_pay")),
        contract_remaining=_sum(loans, "contract_remaining"),
        legally_protected=_sum(loans, "legally_protected"),
        schedule=rows,
    )
