"""A complaint about collection conduct, drafted from the borrower's contact log.

The domain (``xieshang.domain.conduct``) flags recorded contacts that break the published
rules (quiet hours, the daily call limit, third parties); this module turns the flags into a
letter to the lender the borrower can edit and send: each flagged contact with its local time,
caller, channel and who was contacted, the rule it appears to break with its source and
confidence mark, then what the borrower asks (stop, keep and correct the records, a written
reply) and where else the borrower may complain.

Complaint channels are passed in as ``ComplaintChannel`` values: the team's reference notes
(law-and-rates.md §6) name none, so none are built in — a channel is added as sourced data
with its confidence mark, never as a literal here.  Nothing in the letter is legal advice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from xieshang.domain.conduct import (
    QUIET_HOURS,
    THIRD_PARTY_CONTACT,
    TOO_MANY_CALLS,
    ConductFlag,
    ConductRules,
    Contact,
)
from xieshang.domain.errors import DomainError
from xieshang.i18n import message, normalize_lang, text

from .letters import (
    CONDUCT_COMPLAINT,
    DEFAULT_REPLY_DAYS,
    Letter,
    clean_text,
    heading,
    item,
    regards,
    signature_block,
)


@dataclass(frozen=True, slots=True)
class ComplaintChannel:
    """Somewhere a borrower may complain besides the lender, as sourced data: its name and
    how to reach it in both languages, the confidence mark and the source."""

    name_zh: str
    name_en: str
    detail_zh: str
    detail_en: str
    confidence: str
    source: str


def _one_line(value: str) -> str:
    return " ".join(clean_text(value).split())


def local_time(moment: datetime, timezone: str) -> str:
    """A contact's time on the rules' local wall clock, with its UTC offset.

    >>> from datetime import timezone as tz
    >>> local_time(datetime(2025, 3, 1, 14, 30, tzinfo=tz.utc), "Asia/Shanghai")
    '2025-03-01 22:30 (UTC+08:00)'
    """
    local = moment.astimezone(ZoneInfo(timezone))
    offset = local.utcoffset()
    minutes = 0 if offset is None else int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{local:%Y-%m-%d %H:%M} (UTC{sign}{hours:02d}:{rest:02d})"


def _flags_by_contact(
    contacts: Sequence[Contact], flags: Sequence[ConductFlag]
) -> dict[int, list[tuple[ConductFlag, int]]]:
    """Each flagged contact's flags, with the contact's place among that flag's contacts."""
    out: dict[int, list[tuple[ConductFlag, int]]] = {}
    for flag in flags:
        for place, index in enumerate(flag.contacts):
            if isinstance(index, bool) or not 0 <= index < len(contacts):
                raise DomainError("complaint.flag_contact_unknown", field="flags", value=index)
            out.setdefault(index, []).append((flag, place))
    return out


def _contact_block(
    n: int,
    contact: Contact,
    found: list[tuple[ConductFlag, int]],
    rules: ConductRules,
    lang: str,
) -> str:
    line = text(
        "complaint_contact",
        lang,
        time=local_time(contact.at, rules.timezone),
        caller=_one_line(contact.caller) or "—",
        channel=text(f"complaint_channel_{contact.channel.value}", lang),
        contacted=text(f"complaint_contacted_{contact.contacted.value}", lang),
    )
    if not contact.effective:
        line += text("complaint_not_connected", lang)
    rows = [item(n, line, lang)]
    note = _one_line(contact.note)
    if note:
        rows.append("   " + text("complaint_note", lang, note=note))
    for flag, place in found:
        problem = message(flag.code, lang)
        if flag.code == TOO_MANY_CALLS and rules.call_limit is not None:
            count = rules.call_limit.max_per_day + place + 1
            space = "" if lang == "zh" else " "
            problem += space + text("complaint_call_count", lang, k=count)
        citation = flag.citation_zh if lang == "zh" else flag.citation_en
        rows.append("   " + text("complaint_problem", lang, problem=problem))
        rows.append("   " + text("complaint_rule", lang, citation=citation, mark=flag.confidence))
    return "\n".join(rows)


def _asks(codes: set[str], rules: ConductRules, reply_days: int, lang: str) -> list[str]:
    asks = [text("complaint_ask_stop", lang)]
    if QUIET_HOURS in codes and rules.quiet_hours is not None:
        q = rules.quiet_hours
        asks.append(
            text("complaint_ask_quiet", lang, start=f"{q.start:%H:%M}", end=f"{q.end:%H:%M}")
        )
    if TOO_MANY_CALLS in codes and rules.call_limit is not None:
        asks.append(text("complaint_ask_calls", lang, n=rules.call_limit.max_per_day))
    if THIRD_PARTY_CONTACT in codes:
        asks.append(text("complaint_ask_third_party", lang))
    asks.append(text("complaint_ask_correct", lang))
    if rules.record_retention is not None:
        r = rules.record_retention
        citation = r.rule.citation_zh if lang == "zh" else r.rule.citation_en
        asks.append(
            text("complaint_ask_keep_records", lang, citation=citation, mark=r.rule.confidence)
        )
    asks.append(text("complaint_ask_reply", lang, days=reply_days))
    return asks


def complaint_letter(
    borrower: str,
    lender: str,
    contacts: Sequence[Contact],
    flags: Sequence[ConductFlag],
    rules: ConductRules,
    *,
    lang: str,
    made_on: date,
    contact: str = "",
    reply_days: int = DEFAULT_REPLY_DAYS,
    channels: Sequence[ComplaintChannel] = (),
) -> Letter:
    """A complaint to ``lender`` listing every flagged contact in time order.

    ``flags`` are ``review_contacts(contacts, rules)`` (their indexes point into
    ``contacts``); ``contact`` is the borrower's (masked) contact line; ``channels`` are the
    other complaint channels to name, from sourced data.  Refusals: ``letter.borrower_missing``,
    ``letter.counterparty_missing``, ``complaint.nothing_flagged``,
    ``complaint.flag_contact_unknown``, ``letter.reply_days_not_positive``.
    """
    lang = normalize_lang(lang)
    name, addressee = _one_line(borrower), _one_line(lender)
    if not name:
        raise DomainError("letter.borrower_missing", field="borrower")
    if not addressee:
        raise DomainError("letter.counterparty_missing", field="lender")
    if isinstance(reply_days, bool) or not isinstance(reply_days, int) or reply_days < 1:
        raise DomainError("letter.reply_days_not_positive", field="reply_days", value=reply_days)
    if not flags:
        raise DomainError("complaint.nothing_flagged", field="flags")
    by_contact = _flags_by_contact(contacts, flags)
    order = sorted(by_contact, key=lambda i: (contacts[i].at, i))
    parts = [
        text("letter_to", lang, name=addressee),
        text("complaint_intro", lang, borrower=name),
    ]
    listed = [heading(1, text("complaint_h_contacts", lang), lang)]
    listed += [
        _contact_block(n, contacts[i], by_contact[i], rules, lang)
        for n, i in enumerate(order, start=1)
    ]
    parts.append("\n".join(listed))
    codes = {flag.code for flag in flags}
    asks = _asks(codes, rules, reply_days, lang)
    parts.append(
        "\n".join(
            [heading(2, text("complaint_h_asks", lang), lang)]
            + [item(n, ask, lang) for n, ask in enumerate(asks, start=1)]
        )
    )
    further = [heading(3, text("complaint_h_channels", lang), lang)]
    for n, ch in enumerate(channels, start=1):
        further.append(
            item(
                n,
                text(
                    "complaint_channel",
                    lang,
                    name=_one_line(ch.name_zh if lang == "zh" else ch.name_en),
                    detail=_one_line(ch.detail_zh if lang == "zh" else ch.detail_en),
                    mark=ch.confidence,
                ),
                lang,
            )
        )
    further.append(text("complaint_escalate", lang))
    parts.append("\n".join(further))
    parts.append(text("complaint_disclaimer", lang))
    parts.append(regards(lang))
    parts.append(
        signature_block(
            text("complaint_signed", lang, name=name), _one_line(contact), made_on, lang
        )
    )
    body = "\n\n".join(parts) + "\n"
    return Letter(CONDUCT_COMPLAINT, lang, text("complaint_title", lang), body)
