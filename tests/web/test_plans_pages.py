"""The plan builder, the comparison and opening cases from a plan: the page's figures are the
services' (the plan service's suggestions, the cases service's offer computation), a refused
choice is explained beside its field with what was typed kept, and a plan opens exactly one
draft case per lender — for its owner only."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import pytest

from api.test_data_api import STATEMENT, private_loan_json
from support.api_people import START
from xieshang.domain.concessions import InterestStop, Proposal, TermExtension, Waiver
from xieshang.domain.offer_terms import LoanTerms, OfferTerms
from xieshang.i18n import message
from xieshang.present.numbers import money_text
from xieshang.services import cases, plans
from xieshang.services.loans import local_today

TODAY = local_today(START)
PRIVATE_LENDER = private_loan_json()["lender"]
PLATFORM_LENDER = "某消费金融公司"


def platform_loan_json(organisation_id: int | None) -> dict[str, object]:
    body: dict[str, object] = {
        "lender": PLATFORM_LENDER,
        "lender_type": "consumer_finance",
        "contract_date": "2025-06-10",
        "start": "2025-06-10",
        "principal": "36000",
        "annual_rate": "23.5",
        "months": 24,
        "method": "annuity",
        "paid_installments": 5,
    }
    if organisation_id is not None:
        body["lender_organisation_id"] = organisation_id
    return body


@pytest.fixture
def lender_here(people):
    return people.organisation("lender", PLATFORM_LENDER)


@pytest.fixture
def owner(people, lender_here):
    """A borrower with a statement, a private loan (lender not on the instance) and a loan
    from a lender organisation here."""
    person = people.logged_in("borrower")
    client, url = people.client, f"?borrower_id={person.id}"
    put = client.put(f"/api/statement{url}", json=STATEMENT, headers=person.headers)
    assert put.status_code in (200, 201), put.text
    ids = []
    for body in (private_loan_json(), platform_loan_json(lender_here)):
        made = client.post(f"/api/loans{url}", json=body, headers=person.headers)
        assert made.status_code == 201, made.text
        ids.append(str(made.json()["id"]))
    person.loan_ids = ids  # type: ignore[attr-defined]
    return person


@pytest.fixture
def browser(web, owner):
    web.log_in(owner)
    return web


def figure(page: str, name: str) -> str:
    found = re.search(rf'id="plan-{name}">([^<]*)<', page)
    assert found, f"no figure {name}"
    return html.unescape(found.group(1))


def compare_rows(page: str) -> dict[str, list[str]]:
    """The comparison table: plan name → its cells, as shown."""
    body = page.split('<table class="compare">', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", body, re.S):
        name = html.unescape(re.sub(r"<[^>]+>", "", row.split("</th>", 1)[0])).strip()
        rows[name] = [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
    return rows


def test_the_default_plan_is_the_plan_services_suggestion_in_chinese(browser, container, owner):
    response = browser.get("/plans")
    assert response.status_code == 200
    page = response.text
    assert "制定还款方案" in page and response.headers["content-language"] == "zh"
    report = plans.plan_for(container.uow(), owner.actor, owner.id, as_of=TODAY)
    assert figure(page, "monthly") == money_text(report.suggested_monthly)
    assert figure(page, "total") == money_text(report.suggested_total)
    assert figure(page, "months") == str(report.months_to_clear)
    assert figure(page, "savings") == money_text(report.savings_vs_contract)
    assert PRIVATE_LENDER in page and PLATFORM_LENDER in page
    # Both loans get a request from the service: none is shown as contracted ...
    as_contracted = re.compile(r"<td>按原合同\s*</td>")
    assert not as_contracted.search(page)
    # ... until the borrower keeps one on its contract.
    private, _ = owner.loan_ids
    assert len(as_contracted.findall(browser.get(f"/plans?kind_{private}=keep").text)) == 1


def test_the_builder_speaks_english_when_chosen(browser, container, owner):
    browser.post("/lang", {"lang": "en", "next": "/plans"})
    page = browser.get("/plans?strategy=snowball").text
    assert "Build your repayment plan" in page and "制定还款方案" not in page
    report = plans.plan_for(
        container.uow(), owner.actor, owner.id, as_of=TODAY, strategy="snowball"
    )
    assert figure(page, "monthly") == money_text(report.suggested_monthly)
    assert '<option value="snowball" selected>' in page


def test_chosen_concessions_give_the_figures_the_cases_service_computes(browser, container, owner):
    private, platform = owner.loan_ids
    query = {
        "strategy": "avalanche",
        f"kind_{private}": "interest_stop",
        f"months_{private}": "24",
        f"waive_{private}": "penalty",
        f"kind_{platform}": "extension",
        f"months_{platform}": "12",
    }
    page = browser.get("/plans?" + urlencode(query)).text
    report = plans.plan_for(container.uow(), owner.actor, owner.id, as_of=TODAY)
    found = {r.loan.id: r.loan for r in report.reviews}
    expected = []
    for loan_id, proposal in (
        (private, Proposal((InterestStop(24), Waiver("penalty")))),
        (platform, Proposal((TermExtension(12),))),
    ):
        terms = OfferTerms((LoanTerms(loan_id, proposal),), start=TODAY)
        _, _, outcomes = cases.compute_offer({loan_id: found[loan_id]}, terms, as_of=TODAY)
        expected.append(outcomes[0][1].summary)
    assert figure(page, "monthly") == money_text(sum(s.regular_payment for s in expected))
    assert figure(page, "total") == money_text(sum(s.total_to_pay for s in expected))
    assert "停息分 24 期" in page and "展期 12 个月" in page
    # What was chosen is still chosen.
    assert f'name="months_{private}" type="text" value="24"' in page
    assert 'value="penalty" checked' in page


def test_negative_months_are_refused_beside_the_field_with_what_was_typed_kept(browser, owner):
    private, platform = owner.loan_ids
    query = {
        f"kind_{private}": "extension",
        f"months_{private}": "-3",
        f"kind_{platform}": "settlement",
        f"percent_{platform}": "55",
        f"months_{platform}": "6",
    }
    response = browser.get("/plans?" + urlencode(query))
    assert response.status_code == 400
    page = response.text
    error = re.search(rf'id="e-months_{private}" role="alert">([^<]*)<', page)
    assert error and "至少为1" in error.group(1)
    assert f'name="months_{private}" type="text" value="-3"' in page
    assert f'name="percent_{platform}" type="text" value="55"' in page
    assert 'id="plan-monthly"' not in page  # no plan is shown for a refused choice


def test_an_unknown_strategy_is_refused_beside_its_field_in_english(browser):
    browser.post("/lang", {"lang": "en", "next": "/plans"})
    response = browser.get("/plans?strategy=fastest-first")
    assert response.status_code == 400
    error = re.search(r'id="e-strategy" role="alert">([^<]*)<', response.text)
    assert error and "unknown allocation strategy: fastest-first" in html.unescape(error.group(1))


def test_a_settlement_share_above_all_of_it_is_refused_beside_the_share(browser, owner):
    private, _ = owner.loan_ids
    query = {f"kind_{private}": "settlement", f"percent_{private}": "150", f"months_{private}": "3"}
    response = browser.get("/plans?" + urlencode(query))
    assert response.status_code == 400
    error = re.search(rf'id="e-percent_{private}" role="alert">([^<]*)<', response.text)
    assert error and "不超过 100（%）（收到 150）" in error.group(1)


def test_a_loan_of_someone_elses_file_is_not_found(browser, people):
    stranger = people.logged_in("borrower")
    made = people.client.post(
        f"/api/loans?borrower_id={stranger.id}", json=private_loan_json(), headers=stranger.headers
    )
    response = browser.get(f"/plans?kind_{made.json()['id']}=keep")
    assert response.status_code == 404


def test_the_comparison_sets_the_plan_beside_the_contracts_and_each_strategy(
    browser, container, owner
):
    private, platform = owner.loan_ids
    plan = {
        f"kind_{private}": "keep",
        f"kind_{platform}": "interest_stop",
        f"months_{platform}": "36",
    }
    kept = urlencode({"strategy": "snowball"})
    response = browser.get("/plans/compare?" + urlencode({**plan, "compare": kept}))
    assert response.status_code == 200
    rows = compare_rows(response.text)
    assert list(rows) == [
        "原合同（不协商）",
        "我的方案",
        "建议方案：按欠款比例分配",
        "建议方案：停息、只还本金（深圳个人破产重整式）",
        "建议方案：先还利率最高的",
        "建议方案：先还余额最小的",
        "保留的方案 1",
    ]
    report = plans.plan_for(container.uow(), owner.actor, owner.id, as_of=TODAY)
    contracts = sum(r.standing.contract_remaining for r in report.reviews if r.owed > 0)
    assert rows["原合同（不协商）"][3] == money_text(contracts)
    # The contracts ask four missed installments now: more than the household can pay.
    assert rows["原合同（不协商）"][6] == "否"
    assert rows["建议方案：按欠款比例分配"][6] == "是"
    for strategy, name in (("avalanche", "先还利率最高的"), ("pro_rata", "按欠款比例分配")):
        shown = plans.plan_for(
            container.uow(), owner.actor, owner.id, as_of=TODAY, strategy=strategy
        )
        assert rows[f"建议方案：{name}"][0] == money_text(shown.suggested_monthly)
        assert rows[f"建议方案：{name}"][3] == money_text(shown.suggested_total)
        assert rows[f"建议方案：{name}"][4] == str(shown.months_to_clear)
    # The kept plan is the snowball suggestion, as its own link says.
    assert rows["保留的方案 1"] == rows["建议方案：先还余额最小的"]
    # Charts drawn on the server, with their figures in words for screen readers.
    assert response.text.count('<svg class="chart"') == 2
    assert "各方案每月还款" in response.text and "<desc" in response.text


def test_opening_cases_from_a_plan_makes_one_draft_per_lender(
    browser, container, owner, lender_here
):
    private, platform = owner.loan_ids
    plan = urlencode({f"kind_{private}": "extension", f"months_{private}": "6"})
    response = browser.post("/plans/cases", {"plan": plan})
    assert response.status_code == 303 and response.headers["location"].startswith("/cases?plan=")
    found, total = cases.list_cases(container.uow(), owner.actor, limit=10, offset=0, now=START)
    assert total == 2 and all(c.state == "draft" for c in found)
    by_counterparty = {(c.lender_organisation_id, c.external): c for c in found}
    external = by_counterparty[(None, True)]
    here = by_counterparty[(lender_here, False)]
    assert external.counterparty == PRIVATE_LENDER and external.loan_ids == (int(private),)
    assert here.loan_ids == (int(platform),)
    # Both loans are in a case now: the same plan again opens nothing and says why.
    again = browser.post("/plans/cases", {"plan": plan})
    assert again.status_code == 400 and "没有可以发起协商的借款" in again.text
    assert cases.list_cases(container.uow(), owner.actor, limit=10, offset=0, now=START)[1] == 2


def test_a_loan_kept_as_contracted_gets_no_case(browser, container, owner):
    private, platform = owner.loan_ids
    plan = urlencode({f"kind_{private}": "keep"})
    assert browser.post("/plans/cases", {"plan": plan}).status_code == 303
    (only,), _ = cases.list_cases(container.uow(), owner.actor, limit=10, offset=0, now=START)
    assert only.loan_ids == (int(platform),)


def test_a_refused_plan_opens_no_case_and_keeps_what_was_typed(browser, container, owner):
    private, _ = owner.loan_ids
    plan = urlencode({f"kind_{private}": "interest_stop", f"months_{private}": "abc"})
    response = browser.post("/plans/cases", {"plan": plan})
    assert response.status_code == 400
    assert f'id="e-months_{private}" role="alert"' in response.text
    assert 'value="abc"' in response.text
    assert cases.list_cases(container.uow(), owner.actor, limit=10, offset=0, now=START)[1] == 0


def test_the_other_borrower_cannot_open_cases_with_the_owners_loans(
    new_browser, people, container, owner
):
    other = people.logged_in("borrower")
    intruder = new_browser()
    intruder.log_in(other)
    private, _ = owner.loan_ids
    plan = urlencode({f"kind_{private}": "extension", f"months_{private}": "6"})
    assert intruder.post("/plans/cases", {"plan": plan}).status_code == 404
    for person in (owner, other):
        assert cases.list_cases(container.uow(), person.actor, limit=10, offset=0, now=START) == (
            [],
            0,
        )


def test_without_a_statement_the_page_says_what_to_do_first(web, people):
    newcomer = people.logged_in("borrower")
    web.log_in(newcomer)
    for path in ("/plans", "/plans/compare"):
        response = web.get(path)
        assert response.status_code == 200
        assert "请先填写财务状况表" in response.text and 'href="/finances"' in response.text


def test_the_comparison_speaks_english_too(browser):
    browser.post("/lang", {"lang": "en", "next": "/plans/compare"})
    page = browser.get("/plans/compare").text
    rows = compare_rows(page)
    assert list(rows)[:2] == ["The contracts (do nothing)", "My plan"]
    assert "Suggested: highest rate first (avalanche)" in rows
    assert "Monthly payment by plan" in page and "方案比较" not in page


def test_a_counselor_builds_the_clients_plan_and_opens_the_clients_cases(
    new_browser, people, container, owner
):
    counselor = people.logged_in("counselor", people.organisation("counseling", "Centre"))
    granted = people.client.post(
        "/api/sharing/grants", json={"counselor_id": counselor.id}, headers=owner.headers
    )
    assert granted.status_code in (200, 201), granted.text
    helper = new_browser()
    helper.log_in(counselor)
    assert helper.post(f"/clients/{owner.id}/switch", {}).status_code == 303
    page = helper.get("/plans").text
    assert PRIVATE_LENDER in page and PLATFORM_LENDER in page
    private, _ = owner.loan_ids
    plan = urlencode({f"kind_{private}": "interest_stop", f"months_{private}": "24"})
    assert helper.post("/plans/cases", {"plan": plan}).status_code == 303
    found, total = cases.list_cases(container.uow(), owner.actor, limit=10, offset=0, now=START)
    assert total == 2 and {c.borrower_id for c in found} == {owner.id}


@pytest.mark.parametrize(
    ("field", "kind", "value"),
    [
        ("months", "extension", "1_0"),
        ("months", "interest_stop", "9" * 30),
        ("months", "holiday", "0"),
        ("months", "settlement", "361"),
        ("percent", "settlement", "abc"),
        ("percent", "settlement", "0"),
        ("rate", "relief", "-1"),
        ("rate", "extension", "百分之十"),
        ("down", "relief", "1e50"),
        ("down", "relief", "-5"),
        ("reage", "extension", "x"),
    ],
)
def test_each_bad_value_is_refused_beside_its_own_field(browser, owner, field, kind, value):
    _, platform = owner.loan_ids
    query = {f"kind_{platform}": kind, f"months_{platform}": "6", f"percent_{platform}": "50"}
    query[f"{field}_{platform}"] = value
    response = browser.get("/plans?" + urlencode(query))
    assert response.status_code == 400
    assert f'id="e-{field}_{platform}" role="alert"' in response.text
    assert f'name="{field}_{platform}" type="text" value="{html.escape(value)}"' in response.text


def test_asking_only_for_relief_without_any_says_what_to_fill_in(browser, owner):
    _, platform = owner.loan_ids
    response = browser.get(f"/plans?kind_{platform}=relief")
    assert response.status_code == 400
    error = re.search(rf'id="e-kind_{platform}" role="alert">([^<]*)<', response.text)
    assert error and "请填写新的年利率" in error.group(1)
    assert browser.get(f"/plans?kind_{platform}=relief&waive_{platform}=fees").status_code == 200


def test_the_plan_says_what_the_plan_service_found(browser, container, owner):
    page = browser.get("/plans").text
    report = plans.plan_for(container.uow(), owner.actor, owner.id, as_of=TODAY)
    assert "plan.charges_above_cap" in report.findings  # the private loan's 砍头息
    findings = page.split('class="plain plan-findings">', 1)[1].split("</ul>", 1)[0]
    for code in report.findings:
        assert html.escape(message(code, "zh")) in findings


def test_a_draft_opened_from_a_plan_offers_the_plans_request_and_sends_it_as_planned(
    browser, container, owner
):
    private, _ = owner.loan_ids
    plan = urlencode({f"kind_{private}": "extension", f"months_{private}": "6"})
    listing = browser.post("/plans/cases", {"plan": plan}).headers["location"]
    drafts = re.findall(r'href="(/cases/\d+\?plan=[^"]+)"', browser.get(listing).text)
    assert len(drafts) == 2  # each draft links to its page with the plan's request
    found, _ = cases.list_cases(container.uow(), owner.actor, limit=10, offset=0, now=START)
    case = next(c for c in found if c.loan_ids == (int(private),))
    link = next(d for d in drafts if d.startswith(f"/cases/{case.id}?")).replace("&amp;", "&")
    page = browser.get(link).text
    assert "您的还款方案对本案的请求" in page and "展期" in page
    sent = browser.post(f"/cases/{case.id}/submit", {"terms_json": _hidden(page, "terms_json")})
    assert sent.status_code == 303, sent.text
    offers = cases.list_offers(container.uow(), owner.actor, case.id)
    [request] = offers
    [loan] = request.terms["loans"]
    assert loan["loan_id"] == private
    assert {"kind": "extension", "extra_months": 6} in [
        {k: v for k, v in c.items() if k in ("kind", "extra_months")} for c in loan["concessions"]
    ]
    # Sent: the case page no longer offers it.
    assert "您的还款方案对本案的请求" not in browser.get(link).text


def test_a_forged_planned_request_is_checked_like_any_other(browser, container, owner):
    private, _ = owner.loan_ids
    plan = urlencode({f"kind_{private}": "extension", f"months_{private}": "6"})
    browser.post("/plans/cases", {"plan": plan})
    found, _ = cases.list_cases(container.uow(), owner.actor, limit=10, offset=0, now=START)
    case = next(c for c in found if c.loan_ids == (int(private),))
    for forged in ("[1, 2]", "{not json", '{"loans": [{"loan_id": "999999", "concessions": []}]}'):
        refused = browser.post(f"/cases/{case.id}/submit", {"terms_json": forged})
        assert refused.status_code == 400, forged
    assert cases.list_offers(container.uow(), owner.actor, case.id) == []


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, name
    return html.unescape(found.group(1))
