"""Who at the lender works a case: an agent takes a free case or hands back their own, a
supervisor gives any case to any of the organisation's staff; nobody else sees or sets it."""

from __future__ import annotations

import pytest

from support.api_people import BOTH_DATABASES
from web.world import make_world

pytestmark = BOTH_DATABASES


@pytest.fixture
def world(people):
    return make_world(people)


def put(people, who, case_id, assignee_id):
    return people.client.put(
        f"/api/cases/{case_id}/assignee",
        json={"assignee_id": assignee_id},
        headers=who.headers,
    )


def test_an_agent_takes_a_free_case_and_hands_it_back(people, world):
    agent, case = world.people["agent"], world.cases["owner"]
    assert (
        people.client.get(f"/api/cases/{case}/assignee", headers=agent.headers).json()["assignee"]
        is None
    )
    taken = put(people, agent, case, agent.id)
    assert taken.status_code == 200, taken.text
    assert taken.json()["assignee"]["id"] == agent.id
    assert taken.json()["assigned_by"]["id"] == agent.id
    back = put(people, agent, case, None)
    assert back.status_code == 200 and back.json()["assignee"] is None


def test_an_agent_cannot_take_a_case_another_holds_or_give_it_away(people, world):
    agent, supervisor, case = (
        world.people["agent"],
        world.people["supervisor"],
        world.cases["owner"],
    )
    assert put(people, supervisor, case, supervisor.id).status_code == 200
    refused = put(people, agent, case, agent.id)
    assert refused.status_code == 403
    assert refused.json()["code"] == "case.assign_supervisor_only"
    assert put(people, agent, case, None).status_code == 403
    held = people.client.get(f"/api/cases/{case}/assignee", headers=agent.headers).json()
    assert held["assignee"]["id"] == supervisor.id


def test_a_supervisor_gives_a_case_to_an_agent_but_not_to_someone_outside_the_staff(people, world):
    agent, supervisor, case = (
        world.people["agent"],
        world.people["supervisor"],
        world.cases["owner"],
    )
    given = put(people, supervisor, case, agent.id)
    assert given.status_code == 200 and given.json()["assignee"]["id"] == agent.id
    for outsider in ("other_agent", "owner", "counselor"):
        refused = put(people, supervisor, case, world.people[outsider].id)
        assert refused.status_code == 400, outsider
        assert refused.json()["code"] == "case.assignee_not_staff"
    still = people.client.get(f"/api/cases/{case}/assignee", headers=agent.headers).json()
    assert still["assignee"]["id"] == agent.id


def test_the_borrower_and_other_lenders_neither_see_nor_set_the_assignee(people, world):
    case = world.cases["owner"]
    owner, other = world.people["owner"], world.people["other_agent"]
    assert (
        people.client.get(f"/api/cases/{case}/assignee", headers=owner.headers).status_code == 403
    )
    assert put(people, owner, case, world.people["agent"].id).status_code == 403
    assert (
        people.client.get(f"/api/cases/{case}/assignee", headers=other.headers).status_code == 404
    )
    assert put(people, other, case, other.id).status_code == 404


def test_the_staff_list_names_the_callers_colleagues_only(people, world):
    listed = people.client.get("/api/lender/staff", headers=world.people["agent"].headers)
    ids = {m["id"] for m in listed.json()}
    assert ids == {world.people["agent"].id, world.people["supervisor"].id}
    refused = people.client.get("/api/lender/staff", headers=world.people["owner"].headers)
    assert refused.status_code == 403
