"""The iCalendar feed read back by a strict reader: CRLF lines of at most 75 octets, folds that
never split a character, escaped text, all-day dates, stable UIDs, titles in zh and en."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from support import ics
from xieshang.documents.calendar import CalendarItem, calendar_ics, escape_text, fold

NOW = datetime(2026, 12, 1, 1, 2, 3, tzinfo=UTC)
ITEMS = (
    CalendarItem(
        uid="case7-agreement3-installment2",
        kind="installment_due",
        urgency="soon",
        case_id=7,
        counterparty="某网络小额贷款有限公司, 分公司; 客服\\热线",
        day=date(2027, 1, 10),
        amount=Decimal("944.09"),
        installment=2,
    ),
    CalendarItem(
        uid="case8-offer2-reply",
        kind="offer_awaiting_reply",
        urgency="overdue",
        case_id=8,
        counterparty="",
        day=date(2026, 12, 31),
    ),
)


def test_the_feed_reads_back_as_one_calendar_with_an_all_day_event_per_item():
    data = calendar_ics(ITEMS, lang="zh", now=NOW)
    found = ics.events(data)
    assert [e.value("UID") for e in found] == [
        "case7-agreement3-installment2@xieshang",
        "case8-offer2-reply@xieshang",
    ]
    first = found[0]
    assert first.props["DTSTART"] == ("VALUE=DATE", "20270110")
    assert first.props["DTEND"] == ("VALUE=DATE", "20270111")
    assert first.value("DTSTAMP") == "20261201T010203Z"
    summary = first.text("SUMMARY")
    assert summary.startswith("第2期还款 ¥944.09 到期")
    assert "某网络小额贷款有限公司, 分公司; 客服\\热线" in summary  # escaped, then read back
    # Without a counterparty name (the token feed of lender staff) the case number stands in.
    assert "案件 8" in found[1].text("SUMMARY")


def test_english_titles_and_the_calendar_name_follow_the_language():
    cal = ics.parse(calendar_ics(ITEMS, lang="en", now=NOW))
    assert cal.text("X-WR-CALNAME") == "Xieshang repayment calendar"
    summaries = [e.text("SUMMARY") for e in cal.children]
    assert summaries[0].startswith("Installment 2 of ¥944.09 due")
    assert summaries[1].startswith("Reply due: the offer in case 8")
    assert cal.value("PRODID").endswith("//EN")


def test_a_long_title_is_folded_at_75_octets_without_splitting_a_character():
    long = CalendarItem(
        uid="u",
        kind="reply_expected",
        urgency="info",
        case_id=1,
        counterparty="还" * 60,
        day=date(2027, 1, 1),
    )
    data = calendar_ics([long], lang="zh", now=NOW)
    lines = ics.physical_lines(data)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)
    assert "还" * 60 in ics.events(data)[0].text("SUMMARY")


def test_an_empty_feed_is_still_a_valid_calendar():
    assert ics.events(calendar_ics([], lang="en", now=NOW)) == []


def test_the_same_items_give_the_same_bytes():
    assert calendar_ics(ITEMS, lang="zh", now=NOW) == calendar_ics(ITEMS, lang="zh", now=NOW)


@given(st.text(max_size=300))
def test_escaped_text_reads_back_unchanged_apart_from_line_breaks(value):
    expected = value.replace("\r\n", "\n").replace("\r", "\n")
    assert ics.unescape(escape_text(value)) == expected


@given(st.text(min_size=0, max_size=400).map(lambda s: "SUMMARY:" + s.replace("\r", "")))
def test_folding_keeps_every_line_within_75_octets_and_unfolds_to_the_original(line):
    if "\n" in line:
        line = line.replace("\n", " ")
    parts = fold(line)
    assert parts[-1] == ""
    for part in parts[:-1]:
        assert len(part.encode("utf-8")) <= 75
    assert all(p.startswith(" ") for p in parts[1:-1])
    assert parts[0] + "".join(p[1:] for p in parts[1:-1]) == line
