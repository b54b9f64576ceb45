r"""Reminders as people read them: a notice's title in zh/en, and an iCalendar feed (RFC 5545)
of due dates and reply deadlines that any calendar app can subscribe to.

The feed is written by hand (it is small): ``VCALENDAR`` with one ``VEVENT`` per item, each with
a ``UID`` stable for the same item (so an app updates an event instead of adding another), a
``DTSTAMP``, an all-day ``DTSTART;VALUE=DATE`` and the day after as ``DTEND``, and a ``SUMMARY``
in the user's language.  Lines end with CRLF and are folded at 75 octets without splitting a
UTF-8 character (§3.1); text values escape backslash, semicolon, comma and newlines (§3.3.11).

>>> fold("SUMMARY:" + "还" * 30)[:3]
['SUMMARY:还还还还还还还还还还还还还还还还还还还还还还', ' 还还还还还还还还', '']
>>> escape_text("a;b,c\\d\n")
'a\\;b\\,c\\\\d\\n'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from xieshang.i18n import normalize_lang

from .render import date_text, label, money_text

LINE_OCTETS = 75
CRLF = "\r\n"
UID_DOMAIN = "xieshang"
KINDS = (
    "offer_awaiting_reply",  # the other side's offer (or the borrower's request) awaits you
    "reply_expected",  # the other side owes a reply (or a signature) by the deadline
    "signature_awaiting",  # the agreement awaits your signature
    "installment_due",  # an installment falls due (within the next days, or later in the feed)
    "installment_late",  # an installment is past its due date and not paid
)


@dataclass(frozen=True, slots=True)
class CalendarItem:
    """One thing on a user's calendar: what (``kind``), in which case, on which day.

    ``uid`` names the item, not the moment: the same installment or deadline keeps its uid
    whenever the feed is fetched.  ``urgency``: info, soon (within days) or overdue.
    """

    uid: str
    kind: str
    urgency: str
    case_id: int
    counterparty: str
    day: date
    amount: Decimal | None = None
    installment: int | None = None

    def title(self, lang: str) -> str:
        """The one-line summary, e.g. ``第3期还款 ¥944.09 到期（某网贷平台，案件 7）``."""
        who = self.counterparty or label("cal_case_only", lang, case_id=self.case_id)
        return label(
            f"cal_{self.kind}",
            lang,
            case_id=self.case_id,
            counterparty=who,
            n=self.installment or "",
            amount="" if self.amount is None else money_text(self.amount),
            day=date_text(self.day, lang),
        )


def escape_text(value: str) -> str:
    """A TEXT value escaped (RFC 5545 §3.3.11); CR LF and lone CR become ``\\n``."""
    out = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return out.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> list[str]:
    """``line`` as physical lines of at most 75 octets (continuations begin with a space),
    never splitting a UTF-8 character; the list ends with "" so joining with CRLF ends the
    content line with CRLF."""
    parts: list[str] = []
    current, size, limit = "", 0, LINE_OCTETS
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = " ", 1, LINE_OCTETS
        current += ch
        size += width
    parts.append(current)
    return [*parts, ""]


def _content(name: str, value: str) -> str:
    return CRLF.join(fold(f"{name}:{value}"))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _day(day: date) -> str:
    return day.strftime("%Y%m%d")


def calendar_ics(
    items: Sequence[CalendarItem], *, lang: str, now: datetime, version: str = "1"
) -> bytes:
    """The feed as UTF-8 bytes, events in the order given."""
    lang = normalize_lang(lang)
    lines = [
        _content("BEGIN", "VCALENDAR"),
        _content("VERSION", "2.0"),
        _content("PRODID", f"-//Xieshang//Xieshang {version}//{lang.upper()}"),
        _content("CALSCALE", "GREGORIAN"),
        _content("METHOD", "PUBLISH"),
        _content("X-WR-CALNAME", escape_text(label("cal_name", lang))),
    ]
    stamp = _stamp(now)
    for item in items:
        summary = item.title(lang)
        lines += [
            _content("BEGIN", "VEVENT"),
            _content("UID", f"{item.uid}@{UID_DOMAIN}"),
            _content("DTSTAMP", stamp),
            _content("DTSTART;VALUE=DATE", _day(item.day)),
            _content("DTEND;VALUE=DATE", _day(item.day + timedelta(days=1))),
            _content("SUMMARY", escape_text(summary)),
            _content("CATEGORIES", escape_text(item.kind)),
            _content("TRANSP", "TRANSPARENT"),
            _content("END", "VEVENT"),
        ]
    lines.append(_content("END", "VCALENDAR"))
    return "".join(lines).encode("utf-8")
