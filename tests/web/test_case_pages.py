"""The borrower's case pages: the case's history read from its evidence log (shared with the
lender staff's case view), offers as cards, and every action a case allows, as the borrower or
their counselor — each refused form explained beside its field with nothing stored, in both
languages; nobody else can see or do any of it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from api.test_case_journey import loan_json
from api.test_data_api import STATEMENT
from web.world import make_world
from xieshang.domain.errors import DomainError
from xieshang.services import agreements, cases, payments
from xieshang.services.evidence_bundles import verify_evidence_bundle
from xieshang.services.offer_evaluation import evaluate_offer
from xieshang.web.render import environment
from xieshang.web.timeline import offer_card, timeline


@pytest.fixture
def world(people):
    return make_world(people)


def test_the_timeline_reads_the_case_log_in_order_with_who_acted_by_role(container, world):
    owner = world.people["owner"]
    entries = timeline(container, owner.actor, world.cases["owner"])
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert [e.summary for e in entries] == ["web_tl_opened", "web_tl_moved", "web_tl_offer"]
    assert entries[0].text("zh") == "创建案件，对方：Lender Here"
    assert entries[1].text("en") == "State: draft → submitted"
    assert entries[2].offer_id == 1 and entries[2].amount is not None
    assert {e.who("en") for e in entries} == {"Borrower"}


def test_the_other_borrower_cannot_read_the_timeline(container, world):
    with pytest.raises(DomainError) as refused:
        timeline(container, world.people["other_borrower"].actor, world.cases["owner"])
    assert refused.value.code == "access.not_found"


def _partial(name: str, **context: Any) -> str:
    return (
        environment()
        .get_template(name)
        .render(lang=context.pop("lang", "zh"), csrf_token="x", **context)
    )


def test_the_partials_show_the_history_and_an_offer_card_with_the_verdict(container, world):
    owner = world.people["owner"]
    case_id = world.cases["owner"]
    html = _partial("_timeline.html.j2", timeline=timeline(container, owner.actor, case_id))
    assert "案件经过" in html and "状态：草稿 → 已提交" in html
    (view,) = cases.list_offers(container.uow(), owner.actor, case_id)
    evaluation = evaluate_offer(container.uow(), owner.actor, case_id, 1, now=container.clock())
    card = offer_card(view)
    assert card.months == len(card.schedule) > 0 and card.total_to_pay is not None
    html = _partial("_offer_card.html.j2", offer=card, evaluation=evaluation, lang="en")
    assert "Offer #1" in html and "For the borrower" in html
    assert f"¥{card.total_to_pay:,.2f}" in html


# ---------------------------------------------------------------- the pages, as a browser


@pytest.fixture
def borrower(people, web):
    """A borrower with the online micro-lender's loan, logged in on ``web``."""
    person = people.logged_in("borrower")
    made = people.client.post("/api/loans", json=loan_json(None), headers=person.headers)
    assert made.status_code == 201, made.text
    person.loan_id = made.json()["id"]  # type: ignore[attr-defined]
    web.log_in(person)
    return person


def events(container, person, case_id: int) -> int:
    return cases.get_case(container.uow(), person.actor, case_id, now=container.clock()).events


def error_beside(html: str, name: str) -> str:
    found = re.search(rf'<p class="error" id="e-{re.escape(name)}" role="alert">([^<]*)</p>', html)
    assert found, f"no error beside {name}"
    return found.group(1).strip()


def open_external(web, person) -> int:
    opened = web.post(
        "/cases/new",
        {
            "loan_ids": str(person.loan_id),
            "counterparty": "external",
            "external_platform": "某网贷平台",
        },
    )
    assert opened.status_code == 303, opened.text
    return int(opened.headers["location"].rsplit("/", 1)[1])


def terms(person, months: str) -> dict[str, str]:
    return {
        "start": "2026-03-02",
        f"kind_{person.loan_id}": "extension",
        f"months_{person.loan_id}": months,
    }


def test_a_borrower_takes_an_external_case_from_opening_to_a_payment_and_its_evidence(
    web, borrower, container
):
    new = web.get("/cases/new")
    assert new.status_code == 200 and "某网络小额贷款有限公司" in new.text
    case_id = open_external(web, borrower)
    page = web.get(f"/cases/{case_id}").text
    assert "草稿" in page and "提交协商方案" in page and "创建案件，对方：某网贷平台" in page
    assert web.post(f"/cases/{case_id}/submit", terms(borrower, "12")).status_code == 303
    page = web.get(f"/cases/{case_id}").text
    assert "报价 #1" in page and "记录平台的还价" in page and "等待对方答复" in page

    call = {
        "note_kind": "call_note",
        "note_text": "对方同意展期，但只能 6 个月",
        "note_person": "客服王",
        "note_channel": "phone",
        "note_result": "等书面方案",
    }
    assert web.post(f"/cases/{case_id}/notes", call).status_code == 303
    countered = web.post(f"/cases/{case_id}/offers", terms(borrower, "6") | {"for_platform": "1"})
    assert countered.status_code == 303
    page = web.get(f"/cases/{case_id}").text
    assert "通话记录：客服王，方式：电话" in page and "对方同意展期，但只能 6 个月" in page
    assert "报价 #2（出借方）" in page and "对借款人的评估" in page and "接受对方的报价" in page

    accepted = web.post(f"/cases/{case_id}/accept", {})
    assert accepted.status_code == 303 and accepted.headers["location"].endswith("/agreement")
    agreement = web.get(f"/cases/{case_id}/agreement").text
    assert agreement.count("<h1") == 1  # the document's own title sits one level down
    deal = cases_agreement(container, borrower, case_id)
    assert deal.consent_text in agreement and deal.ref in agreement
    sign = {"document_sha256": deal.document_sha256, "consent": deal.consent_text}
    for extra in ({}, {"for_platform": "1"}):
        signed = web.post(
            f"/cases/{case_id}/agreement/sign", sign | extra | {"password": borrower.password}
        )
        assert signed.status_code == 303, signed.text
    assert "双方已签署，已加盖电子封印" in web.get(f"/cases/{case_id}/agreement").text
    pdf = web.get(f"/cases/{case_id}/agreement?format=pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    page = web.get(f"/cases/{case_id}").text
    assert "登记一笔还款" in page
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    first = deal.terms["schedule"][0]["payment"]
    pay = {
        "amount": first,
        "paid_on": "2026-03-02",
        "pay_channel": "bank_transfer",
        "external_ref": "TX-0",
        "idempotency_key": key,
        "for_platform": "1",
    }
    assert web.post(f"/cases/{case_id}/payments", pay).status_code == 303
    assert web.post(f"/cases/{case_id}/payments", pay).status_code == 303  # sent twice
    assert len(payments.list_payments(container.uow(), borrower.actor, case_id)) == 1
    page = web.get(f"/cases/{case_id}").text
    assert "还款中" in page and "TX-0" in page

    receipt = web.post(f"/cases/{case_id}/receipt", {})
    assert receipt.status_code == 200 and receipt.json()["algorithm"] == "Ed25519"
    bundle = web.get(f"/cases/{case_id}/bundle.zip")
    assert bundle.headers["content-type"] == "application/zip"
    report = verify_evidence_bundle(
        bundle.content, public_key_pem=container.instance_key.public_key_pem()
    )
    assert report.ok, report.failure
    assert report.events == events(container, borrower, case_id)


def cases_agreement(container, person, case_id):
    return agreements.get_agreement(container.uow(), person.actor, case_id)


def test_opening_a_case_without_a_loan_or_a_platform_name_is_refused_beside_the_field(
    web, borrower, container
):
    refused = web.post("/cases/new", {"counterparty": "external", "external_platform": "某平台"})
    assert refused.status_code == 400
    assert error_beside(refused.text, "loan_ids") == "请至少选择一笔贷款"
    assert 'value="某平台"' in refused.text
    nameless = web.post(
        "/cases/new", {"loan_ids": str(borrower.loan_id), "counterparty": "external"}
    )
    assert nameless.status_code == 400
    assert error_beside(nameless.text, "external_platform") == "请填写外部平台的名称"
    assert (
        cases.list_cases(
            container.uow(), borrower.actor, limit=10, offset=0, now=container.clock()
        )[1]
        == 0
    )


def test_a_proposal_with_months_that_are_not_a_number_is_refused_beside_that_loan(
    web, borrower, container
):
    case_id = open_external(web, borrower)
    before = events(container, borrower, case_id)
    refused = web.post(f"/cases/{case_id}/submit", terms(borrower, "十二"))
    assert refused.status_code == 400
    assert "期数须为整数" in error_beside(refused.text, f"months_{borrower.loan_id}")
    assert 'value="十二"' in refused.text
    assert events(container, borrower, case_id) == before
    assert (
        cases.get_case(container.uow(), borrower.actor, case_id, now=container.clock()).state
        == "draft"
    )


def test_a_call_note_without_the_person_is_refused_in_english_too(web, borrower, container):
    case_id = open_external(web, borrower)
    before = events(container, borrower, case_id)
    call = {"note_kind": "call_note", "note_text": "催我还款", "note_channel": "phone"}
    refused = web.post(f"/cases/{case_id}/notes", call)
    assert refused.status_code == 400 and error_beside(refused.text, "note_person")
    assert "催我还款</textarea>" in refused.text
    web.post("/lang", {"lang": "en", "next": "/"})
    english = web.post(f"/cases/{case_id}/notes", call)
    assert english.status_code == 400
    assert re.search(r"[A-Za-z]", error_beside(english.text, "note_person"))
    assert "Log a message or a call" in english.text
    assert events(container, borrower, case_id) == before


def test_a_wrong_password_does_not_sign_and_a_sub_fen_payment_is_refused(web, borrower, container):
    case_id = open_external(web, borrower)
    web.post(f"/cases/{case_id}/submit", terms(borrower, "12"))
    web.post(f"/cases/{case_id}/offers", terms(borrower, "6") | {"for_platform": "1"})
    web.post(f"/cases/{case_id}/accept", {})
    deal = cases_agreement(container, borrower, case_id)
    sign = {"document_sha256": deal.document_sha256, "consent": deal.consent_text}
    refused = web.post(f"/cases/{case_id}/agreement/sign", sign | {"password": "not-my-password"})
    assert refused.status_code == 400
    assert error_beside(refused.text, "password-borrower") == "身份确认失败：密码或验证码不正确"
    assert cases_agreement(container, borrower, case_id).signatures == ()
    for extra in ({}, {"for_platform": "1"}):
        web.post(f"/cases/{case_id}/agreement/sign", sign | extra | {"password": borrower.password})
    before = events(container, borrower, case_id)
    pay = {
        "amount": "0.001",
        "paid_on": "2026-03-02",
        "pay_channel": "bank_transfer",
        "external_ref": "TX-9",
        "idempotency_key": "k-1",
        "for_platform": "1",
    }
    refused = web.post(f"/cases/{case_id}/payments", pay)
    assert refused.status_code == 400 and error_beside(refused.text, "amount")
    assert 'value="TX-9"' in refused.text
    assert events(container, borrower, case_id) == before
    assert payments.list_payments(container.uow(), borrower.actor, case_id) == []


def test_the_request_letters_need_the_finances_then_are_generated_read_and_downloaded(
    web, borrower, people
):
    case_id = open_external(web, borrower)
    web.post(f"/cases/{case_id}/submit", terms(borrower, "12"))
    assert "还没有生成" in web.get(f"/cases/{case_id}/letters/request_letter?lang=zh").text
    reason = {"reason": "去年失业，收入减少"}
    refused = web.post(f"/cases/{case_id}/letters", reason)
    assert refused.status_code == 400
    assert re.search(r'<p class="error banner" role="alert">[^<]+</p>', refused.text)
    assert "去年失业，收入减少</textarea>" in refused.text
    assert "还没有生成" in web.get(f"/cases/{case_id}/letters/request_letter?lang=zh").text
    put = people.client.put("/api/statement", json=STATEMENT, headers=borrower.headers)
    assert put.status_code in (200, 201), put.text
    assert web.post(f"/cases/{case_id}/letters", reason).status_code == 303
    letter = web.get(f"/cases/{case_id}/letters/hardship_statement?lang=zh")
    assert letter.status_code == 200 and "去年失业，收入减少" in letter.text
    pdf = web.get(f"/cases/{case_id}/letters/request_letter?lang=en&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_other_borrower_can_neither_see_nor_change_the_owners_case(
    world, new_browser, container
):
    owner, other = world.people["owner"], world.people["other_borrower"]
    case_id = world.cases["owner"]
    before = events(container, owner, case_id)
    browser = new_browser()
    browser.log_in(other)
    assert browser.get(f"/cases/{case_id}").status_code == 404
    note = browser.post(f"/cases/{case_id}/notes", {"note_kind": "message", "note_text": "hi"})
    assert note.status_code == 404
    assert browser.post(f"/cases/{case_id}/actions", {"action": "withdraw"}).status_code == 404
    assert browser.get(f"/cases/{case_id}/bundle.zip").status_code == 404
    assert events(container, owner, case_id) == before
    assert f'/cases/{case_id}"' not in browser.get("/cases").text


def test_the_counselor_works_on_the_clients_case(world, new_browser, container):
    owner = world.people["owner"]
    case_id = world.cases["owner"]
    browser = new_browser()
    browser.log_in(world.people["counselor"])
    assert browser.post(f"/clients/{owner.id}/switch", {}).status_code == 303
    assert f'href="/cases/{case_id}"' in browser.get("/cases").text
    note = browser.post(
        f"/cases/{case_id}/notes", {"note_kind": "message", "note_text": "代为留言"}
    )
    assert note.status_code == 303
    page = browser.get(f"/cases/{case_id}").text
    assert "代为留言" in page and "协商顾问" in page


def test_the_owner_withdraws_the_case_with_a_reason_and_a_move_not_allowed_is_explained(
    world, new_browser, container
):
    owner = world.people["owner"]
    case_id = world.cases["owner"]
    browser = new_browser()
    browser.log_in(owner)
    before = events(container, owner, case_id)
    refused = browser.post(f"/cases/{case_id}/actions", {"action": "reopen"})
    assert refused.status_code == 400
    assert re.search(r'<p class="error banner" role="alert">[^<]+</p>', refused.text)
    not_yours = browser.post(f"/cases/{case_id}/accept", {})
    assert not_yours.status_code == 400
    assert events(container, owner, case_id) == before
    withdrawn = browser.post(
        f"/cases/{case_id}/actions", {"action": "withdraw", "move_reason": "已自行结清"}
    )
    assert withdrawn.status_code == 303
    page = browser.get(f"/cases/{case_id}").text
    assert "状态：已提交 → 已撤回" in page and "已自行结清" in page
    state = cases.get_case(container.uow(), owner.actor, case_id, now=container.clock()).state
    assert state == "withdrawn"


def test_the_case_pages_speak_english(world, new_browser):
    owner = world.people["owner"]
    browser = new_browser()
    browser.log_in(owner)
    browser.post("/lang", {"lang": "en", "next": "/"})
    listing = browser.get("/cases").text
    assert "My negotiation cases" in listing and "submitted" in listing
    page = browser.get(f"/cases/{world.cases['owner']}").text
    assert "What happened" in page and "State: draft → submitted" in page
    assert "Offer #1" in page and "Monthly payment" in page
    assert "案件经过" not in page and "报价 #1" not in page
    new = browser.get("/cases/new").text
    assert "Open a negotiation case" in new and "Loans to negotiate" in new
