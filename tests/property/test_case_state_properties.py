"""Random sequences of moves by random sides against a small independent model of the case
state machine: the machine accepts exactly the model's moves and lands where the model does."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from xieshang.domain.case_state import (
    Action,
    CaseState,
    Party,
    allowed_actions,
    is_overdue,
    new_case,
    transition,
)
from xieshang.domain.errors import DomainError

B, L = Party.BORROWER, Party.LENDER
REPLY_DAYS = {"submit": 15, "counter": 7, "accept": 7}
REFUSAL_CODES = {
    "case.illegal_transition",
    "case.wrong_party",
    "case.not_your_turn",
    "case.cannot_accept_own_offer",
    "case.already_signed",
}


@dataclass(frozen=True)
class Model:
    """The case as plain strings: the phase, whose reply is awaited, who signed."""

    phase: str = "draft"
    round: int = 1
    offer_by: str | None = None
    signed: frozenset[str] = frozenset()
    deadline: date | None = None


def model_step(m: Model, action: str, actor: str, today: date, days: int | None) -> Model | None:
    """The model's answer to a move: the next model, or None when the move is refused."""
    other = "lender" if actor == "borrower" else "borrower"
    due = today + timedelta(days=days or REPLY_DAYS.get(action, 0))
    if m.phase == "draft" and action == "submit" and actor == "borrower":
        return replace(m, phase="submitted", offer_by="borrower", deadline=due)
    if m.phase == "submitted" and action == "start_review" and actor == "lender":
        return replace(m, phase="under_review")
    negotiating = m.phase in ("under_review", "countered")
    my_turn = m.offer_by == other
    if negotiating and my_turn and action == "counter":
        phase = "countered" if actor == "lender" else "under_review"
        return replace(m, phase=phase, offer_by=actor, deadline=due)
    if negotiating and my_turn and action == "accept":
        return replace(m, phase="agreed", deadline=due)
    if m.phase in ("submitted", "under_review") and action == "reject" and actor == "lender":
        return replace(m, phase="rejected", deadline=None)
    before_signed = ("draft", "submitted", "under_review", "countered", "agreed")
    if m.phase in before_signed and action == "withdraw" and actor == "borrower":
        return replace(m, phase="withdrawn", signed=frozenset(), deadline=None)
    if m.phase == "agreed" and action == f"sign_{actor}" and actor not in m.signed:
        signed = m.signed | {actor}
        if len(signed) == 2:
            return replace(m, phase="signed", signed=signed, deadline=None)
        return replace(m, signed=signed)
    if m.phase == "signed" and action == "activate":
        return replace(m, phase="active")
    if m.phase == "active" and action in ("complete", "breach"):
        return replace(m, phase="completed" if action == "complete" else "breached")
    if m.phase in ("breached", "rejected") and action == "reopen":
        return Model(round=m.round + 1)
    return None


REACHED: set[CaseState] = set()
PROGRESS = [
    *(Action(a) for a in ("submit", "start_review", "counter", "accept", "sign_borrower")),
    *(Action(a) for a in ("sign_lender", "activate", "complete", "breach", "reopen")),
    Action.REJECT,
    Action.WITHDRAW,
]


class CaseMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.status = new_case()
        self.model = Model()
        self.today = date(2026, 12, 1)
        self.rounds_seen = [1]

    @rule(
        action=st.sampled_from(Action),
        actor=st.sampled_from(Party),
        wait=st.integers(0, 20),
        reply_days=st.none() | st.integers(1, 60),
    )
    def move(self, action: Action, actor: Party, wait: int, reply_days: int | None) -> None:
        self.today += timedelta(days=wait)
        expected = model_step(self.model, action.value, actor.value, self.today, reply_days)
        asks_reply = action.value in REPLY_DAYS
        try:
            after = transition(
                self.status,
                action,
                actor,
                today=self.today,
                reply_days=reply_days if asks_reply else None,
            )
        except DomainError as refused:
            assert expected is None, (self.status, action, actor, refused.code)
            assert refused.code in REFUSAL_CODES
            assert action not in allowed_actions(self.status, actor)
            return
        assert expected is not None, (self.status, action, actor)
        assert action in allowed_actions(self.status, actor)
        if action is Action.REOPEN:
            assert after.round == self.status.round + 1
        else:
            assert after.round == self.status.round
        if action in (Action.SIGN_BORROWER, Action.SIGN_LENDER):
            assert self.status.state is CaseState.AGREED
        self.status, self.model = after, expected
        self.rounds_seen.append(after.round)
        REACHED.add(after.state)

    @rule(data=st.data(), wait=st.integers(0, 20))
    def allowed_move(self, data: st.DataObject, wait: int) -> None:
        """Mostly legal moves too, so random runs get deep (signatures, breach, reopen)."""
        # Moves that lead on first: the shrinker and the first draws favour them.
        options = [
            (action, actor)
            for action in PROGRESS
            for actor in Party
            if action in allowed_actions(self.status, actor)
        ]
        if options:
            action, actor = data.draw(st.sampled_from(options))
            self.move(action, actor, wait, None)

    @precondition(lambda self: self.status.state in (CaseState.COMPLETED, CaseState.WITHDRAWN))
    @rule()
    def open_a_new_case(self) -> None:
        """A dead case ends the story; a new one keeps the run going."""
        self.status, self.model, self.rounds_seen = new_case(), Model(), [1]

    @rule(action=st.sampled_from(Action), actor=st.sampled_from(Party))
    def reply_days_on_a_move_that_asks_none_is_refused(self, action: Action, actor: Party) -> None:
        if action.value in REPLY_DAYS or action not in allowed_actions(self.status, actor):
            return
        try:
            transition(self.status, action, actor, today=self.today, reply_days=3)
        except DomainError as refused:
            assert refused.code == "case.no_reply_window"
        else:
            raise AssertionError(f"{action} took reply days")

    @invariant()
    def the_machine_is_where_the_model_is(self) -> None:
        s, m = self.status, self.model
        assert s.state.value == m.phase
        assert s.round == m.round
        assert (s.last_offer_by.value if s.last_offer_by else None) == m.offer_by
        assert {p.value for p in s.signatures} == m.signed
        assert s.deadline == m.deadline
        assert is_overdue(s, self.today) == (m.deadline is not None and self.today > m.deadline)

    @invariant()
    def the_state_is_a_reachable_one(self) -> None:
        s = self.status
        if s.state is CaseState.DRAFT:
            assert (s.last_offer_by, s.signatures, s.deadline) == (None, frozenset(), None)
        if s.state is CaseState.UNDER_REVIEW:
            assert s.last_offer_by is B
        if s.state is CaseState.COUNTERED:
            assert s.last_offer_by is L
        if s.state not in (CaseState.DRAFT, CaseState.WITHDRAWN):  # a draft may be withdrawn
            assert s.last_offer_by is not None
        if 0 < len(s.signatures) < 2:
            assert s.state is CaseState.AGREED
        if s.state in (CaseState.SIGNED, CaseState.ACTIVE, CaseState.COMPLETED):
            assert s.signatures == frozenset(Party)
        waiting = (CaseState.SUBMITTED, CaseState.UNDER_REVIEW, CaseState.COUNTERED)
        assert (s.deadline is not None) == (s.state in (*waiting, CaseState.AGREED))

    @invariant()
    def rounds_only_increase(self) -> None:
        assert self.rounds_seen == sorted(self.rounds_seen)

    @invariant()
    def terminal_states_allow_only_reopen_where_specified(self) -> None:
        for actor in Party:
            allowed = allowed_actions(self.status, actor)
            if self.status.state in (CaseState.COMPLETED, CaseState.WITHDRAWN):
                assert allowed == frozenset()
            if self.status.state in (CaseState.BREACHED, CaseState.REJECTED):
                assert allowed == {Action.REOPEN}
            if Action.REOPEN in allowed:
                assert self.status.state in (CaseState.BREACHED, CaseState.REJECTED)


CaseMachine.TestCase.settings = settings(max_examples=100, stateful_step_count=40)
test_the_case_machine_matches_its_model_under_random_moves = CaseMachine.TestCase


def test_the_random_runs_reached_every_state() -> None:
    """Runs after the state-machine test (file order): its moves got everywhere."""
    assert set(CaseState) - {CaseState.DRAFT} <= REACHED


def test_every_state_is_reached_by_some_path_from_a_draft() -> None:
    """Breadth-first over the machine's own moves: no state is dead code."""
    seen = {new_case()}
    frontier = [new_case()]
    while frontier:
        status = frontier.pop()
        for actor in Party:
            for action in allowed_actions(status, actor):
                after = transition(status, action, actor, today=date(2026, 12, 1))
                if after.round <= 2 and after not in seen:
                    seen.add(after)
                    frontier.append(after)
    assert {s.state for s in seen} == set(CaseState)
