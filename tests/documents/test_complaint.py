"""The collection-conduct complaint: drafted from the flags the domain raises over a contact
log, with each flagged contact, its rule, source and confidence mark, in both languages.

Regenerate the golden files after a deliberate change with
``XIESHANG_UPDATE_GOLDEN=1 bash scripts/test tests/documents`` and review the diff.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from xieshang.data.conduct import load_conduct_rules
from xieshang.documents.complaint import ComplaintChannel, complaint_letter, local_time
from xieshang.documents.letters import CONDUCT_COMPLAINT, letter_html, letter_plain
from xieshang.domain.conduct import (
    QUIET_HOURS,
    THIRD_PARTY_CONTACT,
    TOO_MANY_CALLS,
    Contact,
    review_contacts,
)
from xieshang.domain.errors import DomainError

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "files"
UPDATE = os.environ.get("XIESHANG_UPDATE_GOLDEN") == "1"
SHANGHAI = timezone(timedelta(hours=8))
MADE_ON = date(2025, 3, 10)
LENDER = "某网络小额贷款有限公司"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=SHANGHAI)


def contact_log() -> list[Contact]:
    """One contact for each kind of flag, one with two flags, and contacts that are fine."""
    return [
        Contact(at(5, 14), "催收员刘某 400-000-0000", "sms", "employer", note="短信发到单位前台"),
        Contact(at(3, 9), "催收员王某 95000", "call", "debtor"),
        Contact(at(1, 22, 35), "催收员王某 95000", "call", "debtor", note="称今晚必须还款"),
        Contact(at(3, 10), "催收员王某 95000", "call", "debtor"),
        Contact(at(3, 10, 30), "催收员王某 95000", "call", "debtor", effective=False),
        Contact(at(3, 11), "催收员王某 95000", "call", "debtor"),
        Contact(at(3, 12), "催收员王某 95000", "call", "debtor"),
        Contact(at(3, 16), "催收员王某 95000", "call", "debtor"),
        Contact(at(6, 7, 30), "外访人员", "visit", "family", note="到父母家中"),
        Contact(at(7, 15), "催收员王某 95000", "message", "debtor"),
    ]


def draft(lang: str, **kwargs: object):
    contacts = contact_log()
    rules = load_conduct_rules()
    flags = review_contacts(contacts, rules)
    return complaint_letter(
        "李明（示例）",
        LENDER,
        contacts,
        flags,
        rules,
        lang=lang,
        made_on=MADE_ON,
        **kwargs,  # type: ignore[arg-type]
    )


def test_the_example_log_raises_every_kind_of_flag():
    flags = review_contacts(contact_log(), load_conduct_rules())
    assert {f.code for f in flags} == {QUIET_HOURS, TOO_MANY_CALLS, THIRD_PARTY_CONTACT}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_complaint_draft_matches_its_golden_file(lang):
    letter = draft(lang, contact="138****5678")
    assert (letter.kind, letter.lang) == (CONDUCT_COMPLAINT, lang)
    golden = GOLDEN / f"complaint_{lang}.txt"
    content = letter_plain(letter)
    if UPDATE:
        golden.write_text(content, encoding="utf-8")
    assert content == golden.read_text(encoding="utf-8")


def _items(text: str) -> list[str]:
    section = text.split("\n\n")[2]
    return [line for line in section.splitlines() if re.match(r"^\d+\. ", line)]


def test_each_flagged_contact_is_listed_once_in_time_order_and_fine_contacts_are_not():
    text = draft("zh").text
    items = _items(text)
    assert [x.split("，")[0] for x in items] == [
        "1. 2025-03-01 22:35 (UTC+08:00)",
        "2. 2025-03-03 12:00 (UTC+08:00)",
        "3. 2025-03-03 16:00 (UTC+08:00)",
        "4. 2025-03-05 14:00 (UTC+08:00)",
        "5. 2025-03-06 07:30 (UTC+08:00)",
    ]
    assert "2025-03-03 09:00" not in text and "2025-03-07" not in text
    assert "当日第 4 次有效通话" in text and "当日第 5 次有效通话" in text


def test_a_contact_breaking_two_rules_names_both_with_their_sources_and_marks():
    rules = load_conduct_rules()
    assert rules.quiet_hours is not None and rules.third_party is not None
    text = draft("en").text
    block = text.split("(5) 2025-03-06 07:30")[1].split("\n\n")[0]
    assert "by visit, person contacted: a member of my family" in block
    assert "Record: 到父母家中" in block
    assert f"Rule: {rules.quiet_hours.rule.citation_en} (confidence ☑️)" in block
    assert f"Rule: {rules.third_party.citation_en} (confidence ⚠️)" in block


def test_the_requests_follow_the_flags_raised_and_cite_the_record_keeping_rule():
    rules = load_conduct_rules()
    contacts = contact_log()[:1]  # only the third-party text message
    flags = review_contacts(contacts, rules)
    text = complaint_letter("李明", LENDER, contacts, flags, rules, lang="zh", made_on=MADE_ON).text
    assert "停止联系本人的家人、工作单位及其他第三方" in text
    assert "22:00" not in text.split("本人的请求")[1].split("其他投诉渠道")[0]
    assert rules.record_retention is not None
    assert rules.record_retention.rule.citation_zh in text
    full = draft("zh").text
    assert "不在每日 22:00 至次日 08:00 之间联系本人" in full
    assert "每日对本人的有效通话不超过 3 次" in full


def test_times_are_shown_on_the_rules_local_clock_whatever_zone_they_were_recorded_in():
    assert local_time(datetime(2025, 3, 1, 14, 35, tzinfo=UTC), "Asia/Shanghai") == (
        "2025-03-01 22:35 (UTC+08:00)"
    )
    rules = load_conduct_rules()
    contacts = [Contact(datetime(2025, 3, 1, 14, 35, tzinfo=UTC), "x", "call", "debtor")]
    flags = review_contacts(contacts, rules)
    text = complaint_letter("李明", LENDER, contacts, flags, rules, lang="en", made_on=MADE_ON).text
    assert "(1) 2025-03-01 22:35 (UTC+08:00), from: x, by phone call, person contacted: me" in text


def test_complaint_channels_are_listed_only_when_given_as_sourced_data():
    without = draft("zh").text
    section = without.split("其他投诉渠道")[1].split("\n\n")[0]
    assert re.findall(r"^\d+\. ", section, flags=re.MULTILINE) == []
    channel = ComplaintChannel(
        "示例渠道", "Example channel", "示例说明", "how to reach it", "⚠️", "test"
    )
    with_one = draft("en", channels=[channel]).text
    assert "(1) Example channel: how to reach it (confidence ⚠️)" in with_one
    assert "I reserve the right to take the matter to the competent authorities" in with_one


def test_a_complaint_without_flags_or_with_a_flag_outside_the_log_is_refused():
    rules = load_conduct_rules()
    contacts = contact_log()
    with pytest.raises(DomainError) as caught:
        complaint_letter("李明", LENDER, contacts, [], rules, lang="zh", made_on=MADE_ON)
    assert (caught.value.code, caught.value.field) == ("complaint.nothing_flagged", "flags")
    flags = review_contacts(contacts, rules)
    stray = replace(flags[0], contacts=(len(contacts),))
    with pytest.raises(DomainError) as caught:
        complaint_letter("李明", LENDER, contacts, [stray], rules, lang="zh", made_on=MADE_ON)
    assert caught.value.code == "complaint.flag_contact_unknown"
    for borrower, lender, code in (
        ("", LENDER, "letter.borrower_missing"),
        ("李明", " ", "letter.counterparty_missing"),
    ):
        with pytest.raises(DomainError) as caught:
            complaint_letter(borrower, lender, contacts, flags, rules, lang="zh", made_on=MADE_ON)
        assert caught.value.code == code
    with pytest.raises(DomainError) as caught:
        complaint_letter(
            "李明", LENDER, contacts, flags, rules, lang="zh", made_on=MADE_ON, reply_days=0
        )
    assert caught.value.code == "letter.reply_days_not_positive"


def test_what_a_collector_typed_is_kept_on_one_line_and_escaped_in_html():
    rules = load_conduct_rules()
    contacts = [Contact(at(1, 23), "<script>x</script>\n第二行", "call", "debtor", note="a\nb")]
    flags = review_contacts(contacts, rules)
    letter = complaint_letter("李明", LENDER, contacts, flags, rules, lang="zh", made_on=MADE_ON)
    assert "催收方：<script>x</script> 第二行，" in letter.text
    assert "记录：a b" in letter.text
    html = letter_html(letter)
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
