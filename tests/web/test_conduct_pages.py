"""The collection-conduct pages: a borrower records collection contacts (a refused form keeps
what was typed, the message beside its field), sees the flags the rules raise in plain words
with the rule cited, in Chinese or English, and opens the complaint draft built from the
recorded contacts (shown, and downloaded as PDF or text); nobody else's log is ever shown.

The test clock is 2 March 2026, 17:00 in China; times typed in the form are China time.
"""

from __future__ import annotations

import html
import re

import pytest

from web.world import _borrower_with_case
from xieshang.data.conduct import load_conduct_rules
from xieshang.i18n import message, text
from xieshang.services import cases, conduct

RULES = load_conduct_rules()
LATE = "2026-03-01T23:30"  # inside the quiet hours (22:00–08:00)
DAYTIME = "2026-03-01T10:15"
ORG = "速借催收服务公司"


def contact(**changes: str) -> dict[str, str]:
    form = {
        "at": DAYTIME,
        "organisation": ORG,
        "channel": "call",
        "contacted": "debtor",
        "caller": "王经理 工号 0731",
        "effective": "1",
        "note": "说今天不还就联系我单位",
        "case_id": "",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


@pytest.fixture
def borrower(people, web):
    person = people.make("borrower")
    web.log_in(person)
    return person


def page_text(response) -> str:
    return html.unescape(response.text)


def record(browser, **changes: str) -> int:
    response = browser.post("/conduct/new", contact(**changes))
    assert response.status_code == 303, response.text
    found = re.match(r"/conduct\?recorded=(\d+)#contact-\1$", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


def stored(container, person):
    return conduct.list_contacts(
        container.uow(), person.actor, person.id, limit=100, offset=0
    ).items


def choose(browser, lang: str) -> None:
    assert browser.post("/lang", {"lang": lang, "next": "/"}).status_code == 303


def citation(code: str, lang: str) -> str:
    rule = {
        "conduct.quiet_hours": RULES.quiet_hours.rule if RULES.quiet_hours else None,
        "conduct.too_many_calls": RULES.call_limit.rule if RULES.call_limit else None,
        "conduct.third_party_contact": RULES.third_party,
    }[code]
    assert rule is not None
    return rule.citation_zh if lang == "zh" else rule.citation_en


def test_the_form_offers_every_channel_and_person_with_a_label_on_each_input(web, borrower):
    page = web.get("/conduct/new")
    assert page.status_code == 200
    body = page.text
    for name in ("at", "organisation", "channel", "contacted", "effective", "caller", "note"):
        assert f'<label for="f-{name}">' in body, name
        assert f'id="f-{name}" name="{name}"' in body, name
    for channel in ("call", "sms", "visit", "message", "other"):
        assert f'<option value="{channel}"' in body
    assert text("conduct_contacted_employer", "zh") in body
    # Now, on China's clock, is offered as the time of contact.
    assert 'value="2026-03-02T17:00"' in body


def test_a_late_call_is_recorded_and_flagged_in_plain_words_with_the_rule_cited(
    web, borrower, container
):
    number = record(web, at=LATE)
    (saved,) = stored(container, borrower)
    assert saved.id == number and saved.caller == "王经理 工号 0731"
    log = web.get(f"/conduct?recorded={number}")
    assert log.status_code == 200
    shown = page_text(log)
    assert text("web_conduct_recorded_flagged", "zh") in shown
    assert "2026年3月1日 23:30" in shown  # China time, as typed
    assert ORG in shown and "王经理 工号 0731" in shown and "说今天不还就联系我单位" in shown
    assert message("conduct.quiet_hours", "zh") in shown
    assert citation("conduct.quiet_hours", "zh") in shown
    assert text("web_conduct_severity_violation", "zh") in shown
    assert f'id="contact-{number}" class="row-flagged" aria-current="true"' in log.text
    assert text("web_conduct_complaint_to", "zh", name=ORG) in shown


def test_the_log_speaks_english_when_chosen(web, borrower):
    record(web, at=LATE)
    choose(web, "en")
    shown = page_text(web.get("/conduct"))
    assert '<html lang="en">' in shown
    assert text("web_conduct_heading", "en") in shown
    assert message("conduct.quiet_hours", "en") in shown
    assert citation("conduct.quiet_hours", "en") in shown
    assert "1 Mar 2026 23:30" in shown
    assert message("conduct.quiet_hours", "zh") not in shown


def test_a_daytime_call_raises_no_flag(web, borrower):
    number = record(web)
    shown = page_text(web.get(f"/conduct?recorded={number}"))
    assert text("web_conduct_recorded", "zh") in shown
    assert text("conduct_no_flags", "zh") in shown
    assert text("web_conduct_complaint_link", "zh") not in shown


def test_a_fourth_call_in_a_day_and_a_call_to_the_family_are_flagged_with_their_numbers(
    web, borrower
):
    for minute in ("10", "20", "30", "40"):
        record(web, at=f"2026-03-01T11:{minute}")
    record(web, at="2026-03-01T12:00", contacted="family", caller="", note="")
    shown = page_text(web.get("/conduct"))
    assert message("conduct.too_many_calls", "zh") in shown
    assert text("web_conduct_flag_contacts", "zh", numbers="4") in shown
    assert citation("conduct.too_many_calls", "zh") in shown
    assert message("conduct.third_party_contact", "zh") in shown
    assert text("web_conduct_flag_contacts", "zh", numbers="5") in shown
    assert text("conduct_contacted_family", "zh") in shown


def test_a_refused_form_keeps_what_was_typed_with_the_message_beside_the_field(
    web, borrower, container
):
    refused = web.post(
        "/conduct/new", contact(organisation="  ", channel="sms", contacted="employer")
    )
    assert refused.status_code == 400
    shown = page_text(refused)
    error = re.search(r'<p class="error" id="e-organisation" role="alert">([^<]*)</p>', shown)
    assert error and error.group(1) == message("conduct.field_required", "zh", field="organisation")
    assert 'aria-invalid="true" aria-describedby="e-organisation"' in refused.text
    assert f'value="{DAYTIME}"' in refused.text
    assert 'value="王经理 工号 0731"' in shown
    assert ">说今天不还就联系我单位</textarea>" in shown
    assert '<option value="sms" selected>' in refused.text
    assert '<option value="employer" selected>' in refused.text
    assert 'name="effective" type="checkbox" value="1" checked' in refused.text
    assert stored(container, borrower) == ()


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("", "联系时间不能为空"),
        ("the day before yesterday", "联系时间不是有效的时间"),
        ("1999-12-31T23:00", "联系时间超出范围"),
        ("2026-03-05T09:00", "联系时间超出范围"),  # three days ahead of the clock
    ],
)
def test_a_time_that_cannot_be_is_refused_beside_the_time(web, borrower, container, typed, words):
    refused = web.post("/conduct/new", contact(at=typed, effective=""))
    assert refused.status_code == 400
    error = re.search(r'<p class="error" id="e-at" role="alert">([^<]*)</p>', refused.text)
    assert error and html.unescape(error.group(1)).startswith(words)
    assert f'value="{html.escape(typed)}"' in refused.text
    assert 'name="effective" type="checkbox" value="1">' in refused.text  # still unticked
    assert stored(container, borrower) == ()


def test_a_refused_form_speaks_english_when_chosen(web, borrower):
    choose(web, "en")
    refused = web.post("/conduct/new", contact(organisation=""))
    assert refused.status_code == 400
    assert message("conduct.field_required", "en", field="organisation") in page_text(refused)


def test_a_contact_goes_into_the_chosen_case_and_another_borrowers_case_is_refused(
    web, people, container
):
    lender = people.organisation("lender", "Lender With A Case")
    owner = people.logged_in("borrower")
    _, case_id = _borrower_with_case(people, owner, "出借人甲", lender)
    other = people.logged_in("borrower")
    _, other_case = _borrower_with_case(people, other, "出借人乙", lender)
    web.log_in(owner)
    form = web.get("/conduct/new").text
    assert f'<option value="{case_id}"' in form and f'<option value="{other_case}"' not in form
    record(web, case_id=str(case_id))
    shown = page_text(web.get("/conduct"))
    assert text("web_conduct_case_linked", "zh", id=case_id) in shown
    refused = web.post("/conduct/new", contact(case_id=str(other_case)))
    assert refused.status_code == 400 and 'id="e-case_id" role="alert"' in refused.text
    (saved,) = stored(container, owner)
    # Deleting it leaves the case's log with both entries (never the caller or the note).
    assert web.post(f"/conduct/{saved.id}/delete", {}).status_code == 303
    entries = [
        e.body
        for e in cases.case_log(container.uow(), owner.actor, case_id)
        if e.kind == "collection_contact"
    ]
    assert [e["action"] for e in entries] == ["recorded", "deleted"]
    assert all("caller" not in e and "note" not in e for e in entries)


def test_the_complaint_draft_lists_the_recorded_contacts_and_downloads_as_pdf_and_text(
    web, borrower
):
    record(web, at=LATE)
    record(web, at="2026-03-01T06:45", channel="sms", caller="", note="")
    record(web, organisation="别的公司")  # daytime: nothing to complain about there
    page = web.get("/conduct/complaint")  # the only flagged organisation is chosen
    assert page.status_code == 200
    shown = page_text(page)
    assert f'<option value="{ORG}" selected>' in shown and "别的公司</option>" not in shown
    letter = shown.split('class="card letter"', 1)[1]
    assert ORG in letter and "2026-03-01 23:30" in letter and "2026-03-01 06:45" in letter
    assert "王经理 工号 0731" in letter
    assert citation("conduct.quiet_hours", "zh") in letter
    query = f"organisation={ORG}&lang=zh"
    pdf = web.get(f"/conduct/complaint?{query}&format=pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"].startswith('attachment; filename="')
    plain = web.get(f"/conduct/complaint?{query}&format=text")
    assert plain.headers["content-type"].startswith("text/plain")
    assert "2026-03-01 23:30" in plain.text and ORG in plain.text


def test_the_complaint_draft_is_written_in_the_language_chosen_for_the_letter(web, borrower):
    record(web, at=LATE)
    shown = page_text(web.get(f"/conduct/complaint?organisation={ORG}&lang=en"))
    assert '<option value="en" lang="en" selected>' in shown
    letter = shown.split('class="card letter" lang="en"', 1)[1]
    assert citation("conduct.quiet_hours", "en") in letter
    assert citation("conduct.quiet_hours", "zh") not in letter
    assert '<html lang="zh-CN">' in shown  # the page itself stays in Chinese


def test_without_a_flag_there_is_no_complaint_and_an_unknown_organisation_is_refused(web, borrower):
    assert message("complaint.nothing_flagged", "zh") in page_text(web.get("/conduct/complaint"))
    record(web)
    unflagged = web.get(f"/conduct/complaint?organisation={ORG}")
    assert unflagged.status_code == 400
    assert message("complaint.nothing_flagged", "zh") in page_text(unflagged)
    unknown = web.get("/conduct/complaint?organisation=没打过电话的公司&format=pdf")
    assert unknown.status_code == 400 and "text/html" in unknown.headers["content-type"]
    assert 'id="e-organisation" role="alert"' in unknown.text
    assert message("conduct.organisation_not_recorded", "zh", name="没打过电话的公司") in page_text(
        unknown
    )


def test_another_borrower_sees_none_of_it(web, borrower, people, new_browser):
    record(web, at=LATE)
    stranger = new_browser()
    stranger.log_in(people.make("borrower"))
    log = page_text(stranger.get("/conduct"))
    assert ORG not in log and "王经理" not in log
    assert text("web_conduct_empty", "zh") in log
    draft = stranger.get(f"/conduct/complaint?organisation={ORG}&format=pdf")
    assert draft.status_code == 400 and b"%PDF" not in draft.content
    assert "王经理" not in page_text(draft)


def test_lender_staff_reach_none_of_it(web, borrower, people, new_browser):
    record(web, at=LATE)
    agent = new_browser()
    agent.log_in(people.make("agent", people.organisation("lender", "Some Lender")))
    for path in ("/conduct", "/conduct/new", f"/conduct/complaint?organisation={ORG}"):
        response = agent.get(path)
        assert response.status_code == 403 and ORG not in page_text(response), path


def test_a_record_made_by_mistake_is_deleted_and_its_flag_goes_with_it(web, borrower, container):
    kept = record(web)
    mistake = record(web, at=LATE, organisation="记错的公司")
    log = web.get("/conduct").text
    assert f'action="/conduct/{mistake}/delete"' in log
    assert text("web_conduct_delete_confirm", "zh", number=2) in log
    deleted = web.post(f"/conduct/{mistake}/delete", {})
    assert deleted.status_code == 303 and deleted.headers["location"] == "/conduct?deleted=1"
    assert [c.id for c in stored(container, borrower)] == [kept]
    shown = page_text(web.get("/conduct?deleted=1"))
    assert text("web_conduct_deleted", "zh") in shown
    assert "记错的公司" not in shown and message("conduct.quiet_hours", "zh") not in shown
    assert web.post(f"/conduct/{mistake}/delete", {}).status_code == 404  # gone already


def test_another_borrower_cannot_delete_a_record_they_were_never_shown(
    web, borrower, people, new_browser, container
):
    number = record(web, at=LATE)
    stranger = new_browser()
    stranger.log_in(people.make("borrower"))
    refused = stranger.post(f"/conduct/{number}/delete", {})
    assert refused.status_code == 404 and ORG not in page_text(refused)
    assert [c.id for c in stored(container, borrower)] == [number]


def test_opening_the_pages_changes_nothing(web, borrower, container):
    for path in ("/conduct", "/conduct/new", "/conduct/complaint", "/conduct?recorded=1"):
        assert web.get(path).status_code == 200
    assert stored(container, borrower) == ()
