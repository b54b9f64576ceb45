"""The borrower's case pages: the case's history read from its evidence log (shared with the
lender staff's case view), offers as cards, and every action a case allows, as the borrower or
their counselor — each refused form explained beside its field with nothing stored, in both
languages; nobody else can see or do any of it."""

from __future__ import annotations

from typing import Any

import pytest

from web.world import make_world
from xieshang.domain.errors import DomainError
from xieshang.services import cases
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
