"""Collection conduct: which recorded collection contacts break the published rules.

A borrower logs every collection contact (time, caller, channel, who was contacted).  The
rules come from data (``xieshang.data.conduct``, facts of reference/law-and-rates.md §6):

- no contact between 22:00 and 08:00 local time (NIFA 2024 ☑️, 2025 guideline ⚠️);
- at most 3 effective calls to the debtor per local day (2025 guideline ⚠️);
- third parties (family, employer, others) only when the debtor cannot be reached (⚠️) — the
  log cannot know whether the debtor was reachable, so every third-party contact is flagged
  for the borrower to confirm;
- collection records are kept at least 5 years (NIFA 2018 ☑️; information, never a flag).

``review_contacts`` returns flags (codes, the contacts' indexes in the input, the local day,
severity and citation); the faces translate the codes and draft the complaint letter.
Nothing here is legal advice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from xieshang.domain.errors import DomainError

QUIET_HOURS = "conduct.quiet_hours"
TOO_MANY_CALLS = "conduct.too_many_calls"
THIRD_PARTY_CONTACT = "conduct.third_party_contact"
RECORD_RETENTION = "conduct.record_retention"
# Flags of one contact sort by this order when they share a time.
_CODE_ORDER = {QUIET_HOURS: 0, TOO_MANY_CALLS: 1, THIRD_PARTY_CONTACT: 2}
CONDUCT_SEVERITIES = ("info", "warning", "violation")
CONDUCT_CONFIDENCE_MARKS = ("✅", "☑️", "⚠️")
_E = TypeVar("_E", bound=StrEnum)


class Channel(StrEnum):
    CALL = "call"
    SMS = "sms"
    VISIT = "visit"
    MESSAGE = "message"
    OTHER = "other"


class Contacted(StrEnum):
    DEBTOR = "debtor"
    FAMILY = "family"
    EMPLOYER = "employer"
    OTHER_THIRD_PARTY = "other_third_party"


@dataclass(frozen=True, slots=True)
class Contact:
    """One collection contact as the borrower recorded it; ``at`` must be timezone-aware.

    ``effective`` is False for a call that did not connect (only effective calls count
    towards the daily limit).
    """

    at: datetime
    caller: str
    channel: Channel
    contacted: Contacted
    effective: bool = True
    note: str = ""

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise DomainError("conduct.time_not_aware", field="at", value=self.at.isoformat())
        # Accept the enum values as strings (a form or a JSON body) but store the enums.
        object.__setattr__(
            self, "channel", _enum(Channel, self.channel, "channel", "conduct.channel_unknown")
        )
        object.__setattr__(
            self,
            "contacted",
            _enum(Contacted, self.contacted, "contacted", "conduct.contacted_unknown"),
        )


def _enum(kind: type[_E], value: object, field: str, code: str) -> _E:
    try:
        return kind(str(value))
    except ValueError:
        raise DomainError(code, field=field, value=str(value)) from None


@dataclass(frozen=True, slots=True)
class ConductRule:
    """Where a rule comes from: id, severity, confidence mark, source and citation."""

    id: str
    severity: str
    confidence: str
    source: str
    citation_zh: str
    citation_en: str


@dataclass(frozen=True, slots=True)
class QuietHours:
    """No contact from ``start`` (inclusive) to ``end`` (exclusive), local wall time."""

    rule: ConductRule
    start: time
    end: time

    def contains(self, moment: time) -> bool:
        """Whether a local time falls in the quiet period (which may span midnight).

        >>> q = QuietHours(_EXAMPLE_RULE, time(22), time(8))
        >>> [q.contains(t) for t in (time(21, 59), time(22), time(7, 59), time(8))]
        [False, True, True, False]
        """
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@dataclass(frozen=True, slots=True)
class CallLimit:
    """At most ``max_per_day`` effective calls to the debtor per local calendar day."""

    rule: ConductRule
    max_per_day: int


@dataclass(frozen=True, slots=True)
class RecordRetention:
    """Collection records must be kept at least ``years`` years (information only)."""

    rule: ConductRule
    years: int


@dataclass(frozen=True, slots=True)
class ConductRules:
    """The enabled rules; a rule switched off in the data is ``None``."""

    timezone: str
    quiet_hours: QuietHours | None
    call_limit: CallLimit | None
    third_party: ConductRule | None
    record_retention: RecordRetention | None

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise DomainError(
                "conduct.timezone_unknown", field="timezone", value=self.timezone
            ) from None


@dataclass(frozen=True, slots=True)
class ConductFlag:
    """A rule the listed contacts (indexes into the reviewed sequence) appear to break."""

    rule_id: str
    code: str
    contacts: tuple[int, ...]
    day: date
    severity: str
    confidence: str
    citation_zh: str
    citation_en: str


def _flag(rule: ConductRule, code: str, contacts: tuple[int, ...], day: date) -> ConductFlag:
    return ConductFlag(
        rule.id,
        code,
        contacts,
        day,
        rule.severity,
        rule.confidence,
        rule.citation_zh,
        rule.citation_en,
    )


def review_contacts(contacts: Sequence[Contact], rules: ConductRules) -> tuple[ConductFlag, ...]:
    """Flags for the contacts that break the rules, sorted by the time of their first contact.

    Times are judged on the local wall clock of ``rules.timezone``.  ``too_many_calls`` is one
    flag per day listing the calls beyond the limit (the 4th, 5th, … effective debtor call).

    >>> from datetime import timezone
    >>> rules = ConductRules("Asia/Shanghai", QuietHours(_EXAMPLE_RULE, time(22), time(8)),
    ...                      None, _EXAMPLE_RULE, None)
    >>> late = Contact(datetime(2025, 3, 1, 14, 30, tzinfo=timezone.utc), "x", "call", "debtor")
    >>> [(f.code, f.contacts, f.day.isoformat()) for f in review_contacts([late], rules)]
    [('conduct.quiet_hours', (0,), '2025-03-01')]
    """
    zone = ZoneInfo(rules.timezone)
    order = sorted(range(len(contacts)), key=lambda i: (contacts[i].at, i))
    found: list[tuple[datetime, int, ConductFlag]] = []
    calls_by_day: dict[date, list[int]] = {}
    for i in order:
        contact = contacts[i]
        local = contact.at.astimezone(zone)
        day = local.date()
        if rules.quiet_hours is not None and rules.quiet_hours.contains(local.time()):
            found.append((contact.at, i, _flag(rules.quiet_hours.rule, QUIET_HOURS, (i,), day)))
        if rules.third_party is not None and contact.contacted is not Contacted.DEBTOR:
            found.append((contact.at, i, _flag(rules.third_party, THIRD_PARTY_CONTACT, (i,), day)))
        if (
            contact.channel is Channel.CALL
            and contact.effective
            and contact.contacted is Contacted.DEBTOR
        ):
            calls_by_day.setdefault(day, []).append(i)
    if rules.call_limit is not None:
        limit = rules.call_limit
        for day, calls in calls_by_day.items():
            excess = tuple(calls[limit.max_per_day :])
            if excess:
                first = excess[0]
                flag = _flag(limit.rule, TOO_MANY_CALLS, excess, day)
                found.append((contacts[first].at, first, flag))
    found.sort(key=lambda item: (item[0], item[1], _CODE_ORDER[item[2].code]))
    return tuple(flag for _, _, flag in found)


# A rule for the doctests only (real rules come from xieshang.data.conduct).
_EXAMPLE_RULE = ConductRule("example", "warning", "⚠️", "doctest", "示例", "example")
