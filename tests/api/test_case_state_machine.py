"""A Hypothesis state machine drives random moves by random people through the case API, on
SQLite and PostgreSQL: no illegal move is ever accepted, every legal one is, the server's state
equals a model written here independently of the domain's table, strangers never see the case,
and the case log verifies after every step.

The model is deliberately a second, plain reading of DESIGN §5 (not an import of the domain's
transition table), so a wrong entry in one of them shows up as a disagreement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from support.api_people import BOTH_DATABASES
from support.loan_inputs import example, loan_input
from xieshang.domain.evidence import parse_log, verify_chain
from xieshang.services.loans import create_loan, local_today

B, A, X = "borrower", "agent", "stranger"
NEGOTIATING = {"under_review", "countered"}


@dataclass
class Model:
    state: str = "draft"
    round: int = 1
    last_offer_by: str | None = None
    signed: set[str] = field(default_factory=set)

    def visible_to(self, who: str) -> bool:
        if who == X:
            return False
        return who == B or self.state != "draft"

    def legal(self, move: str, who: str) -> bool:
        s, last = self.state, self.last_offer_by
        if move == "submit":
            return who == B and s == "draft"
        if move == "start_review":
            return who == A and s == "submitted"
        if move in ("counter", "accept"):
            # The lender may answer a submission directly (its review is implied).
            open_states = NEGOTIATING | ({"submitted"} if who == A else set())
            return s in open_states and last != who
        if move == "reject":
            return who == A and s in {"submitted", "under_review", "countered"} and last != A
        if move == "withdraw":
            return who == B and s in {"draft", "submitted", "under_review", "countered", "agreed"}
        if move == "reopen":
            return s == "rejected"
        if move == "sign":
            return s == "agreed" and who not in self.signed
        raise AssertionError(move)

    def apply(self, move: str, who: str) -> None:
        if move == "submit":
            self.state, self.last_offer_by = "submitted", B
        elif move == "start_review":
            self.state = "under_review"
        elif move == "counter":
            self.state = "countered" if who == A else "under_review"
            self.last_offer_by = who
        elif move == "accept":
            self.state = "agreed"
        elif move == "reject":
            self.state = "rejected"
        elif move == "withdraw":
            self.state, self.signed = "withdrawn", set()
        elif move == "reopen":
            self.state, self.round, self.last_offer_by = "draft", self.round + 1, None
        elif move == "sign":
            self.signed.add(who)
            if self.signed == {A, B}:
                self.state = "signed"


MOVES = ("submit", "start_review", "counter", "accept", "reject", "withdraw", "reopen", "sign")


@BOTH_DATABASES
def test_random_moves_by_random_people_keep_server_model_and_log_in_step(
    container, people, api, clock
):
    org = people.organisation("lender", "状态机小贷")
    borrower = people.logged_in("borrower")
    agent = people.logged_in("agent", org)
    stranger = people.logged_in("agent", people.organisation("lender", "别家小贷"))
    who = {B: borrower, A: agent, X: stranger}
    today = local_today(clock())
    raw = example("online-micro-lender.toml")

    def terms(loan_id: int, months: int) -> dict:
        extension = {"kind": "extension", "extra_months": months, "include_overdue_principal": True}
        return {
            "start": today.isoformat(),
            "loans": [{"loan_id": str(loan_id), "concessions": [extension]}],
        }

    class CaseMachine(RuleBasedStateMachine):
        @initialize()
        def open_case(self) -> None:
            loan = create_loan(
                container.uow(),
                borrower.actor,
                borrower.id,
                loan_input(raw, lender_organisation_id=org),
                now=clock(),
            )
            self.loan_id = loan.id
            response = api.post(
                "/api/cases",
                json={"loan_ids": [loan.id], "lender_organisation_id": org},
                headers=borrower.headers,
            )
            assert response.status_code == 201, response.text
            self.case_id = response.json()["id"]
            self.model = Model()

        def _request(self, move: str, person, months: int):
            base = f"/api/cases/{self.case_id}"
            h = person.headers
            if move == "submit":
                body = {"terms": terms(self.loan_id, months)}
                return api.post(f"{base}/submit", json=body, headers=h)
            if move == "counter":
                return api.post(
                    f"{base}/offers", json={"terms": terms(self.loan_id, months)}, headers=h
                )
            if move == "accept":
                return api.post(f"{base}/accept", json={}, headers=h)
            if move == "sign":
                got = api.get(f"{base}/agreement", headers=h)
                if got.status_code != 200:
                    return got
                deal = got.json()
                return api.post(
                    f"{base}/agreement/sign",
                    json={
                        "document_sha256": deal["document_sha256"],
                        "consent": deal["consent_text"],
                        "password": person.password,
                    },
                    headers=h,
                )
            return api.post(f"{base}/actions/{move}", json={}, headers=h)

        @rule(
            move=st.sampled_from(MOVES),
            actor=st.sampled_from((B, A, A, B, X)),
            months=st.integers(1, 24),
        )
        def act(self, move: str, actor: str, months: int) -> None:
            response = self._request(move, who[actor], months)
            code = response.status_code
            if not self.model.visible_to(actor):
                assert code == 404, (move, actor, response.text)
                return
            if self.model.legal(move, actor):
                assert code in (200, 201), (move, actor, self.model, response.text)
                self.model.apply(move, actor)
                event(f"reached {self.model.state}")
            else:
                # Refused with a reason: an illegal move (409), or — for signing before any
                # agreement exists or after it was voided — "not found".
                allowed = (409, 404) if move == "sign" else (409,)
                assert code in allowed, (move, actor, self.model, response.text)
                assert response.json()["message"], response.text

        @rule(data=st.data(), months=st.integers(1, 24))
        def progress(self, data: st.DataObject, months: int) -> None:
            """A legal move (withdrawal only as a last resort), so runs get deep: random
            moves alone are mostly refused."""
            legal = [
                (m, w) for m in MOVES for w in (B, A) if m != "withdraw" and self.model.legal(m, w)
            ]
            if legal:
                move, actor = data.draw(st.sampled_from(legal))
                self.act(move, actor, months)

        @invariant()
        def server_agrees_with_the_model_and_the_log_verifies(self) -> None:
            if not hasattr(self, "case_id"):
                return
            got = api.get(f"/api/cases/{self.case_id}", headers=borrower.headers)
            assert got.status_code == 200, got.text
            case = got.json()
            assert (case["state"], case["round"]) == (self.model.state, self.model.round)
            side = {B: "borrower", A: "lender", None: None}[self.model.last_offer_by]
            assert case["last_offer_by"] == side
            raw_log = api.get(f"/api/cases/{self.case_id}/log.jsonl", headers=borrower.headers)
            assert raw_log.status_code == 200
            entries = parse_log(raw_log.content)
            assert verify_chain(entries).ok and entries[-1].hash == case["head"]

    CaseMachine.TestCase.settings = settings(
        max_examples=12,
        stateful_step_count=14,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    CaseMachine.TestCase().runTest()
