"""The negotiation case state machine: the happy path, every refused move with its code, and
the reply deadlines."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from xieshang.domain.case_state import (
    Action,
    CaseState,
    CaseStatus,
    DeadlinePolicy,
    Party,
    allowed_actions,
    awaiting,
    is_overdue,
    new_case,
    party_for,
    transition,
)
from xieshang.domain.errors import DomainError

B, L = Party.BORROWER, Party.LENDER
DAY = date(2026, 12, 1)


def step(status: CaseStatus, action: Action, actor: Party, days: int = 0) -> CaseStatus:
    return transition(status, action, actor, today=DAY + timedelta(days=days))


def test_a_case_goes_from_submission_through_counters_and_signatures_to_completion() -> None:
    s = step(new_case(), Action.SUBMIT, B)
    assert (s.state, s.last_offer_by, s.deadline) == (CaseState.SUBMITTED, B, date(2026, 12, 16))
    s = step(s, Action.START_REVIEW, L, 2)
    assert (s.state, s.deadline) == (CaseState.UNDER_REVIEW, date(2026, 12, 16))
    s = step(s, Action.COUNTER, L, 5)
    assert (s.state, s.last_offer_by, s.deadline) == (CaseState.COUNTERED, L, date(2026, 12, 13))
    s = step(s, Action.COUNTER, B, 6)
    assert (s.state, s.last_offer_by, s.deadline) == (
        CaseState.UNDER_REVIEW,
        B,
        date(2026, 12, 14),
    )
    s = step(s, Action.ACCEPT, L, 8)
    assert (s.state, s.last_offer_by, s.deadline) == (CaseState.AGREED, B, date(2026, 12, 16))
    s = step(s, Action.SIGN_LENDER, L, 9)
    assert (s.state, s.signatures, s.deadline) == (
        CaseState.AGREED,
        frozenset({L}),
        date(2026, 12, 16),
    )
    s = step(s, Action.SIGN_BORROWER, B, 10)
    assert (s.state, s.signatures, s.deadline) == (CaseState.SIGNED, frozenset({B, L}), None)
    s = step(s, Action.ACTIVATE, L, 11)
    assert s.state is CaseState.ACTIVE
    s = step(s, Action.COMPLETE, B, 200)
    assert (s.state, s.round, s.signatures) == (CaseState.COMPLETED, 1, frozenset({B, L}))
    assert allowed_actions(s, B) == allowed_actions(s, L) == frozenset()


# -- the table: every state × action × party ----------------------------------------------

# One representative status per state, plus the partly signed agreements.
STATUSES = {
    "draft": CaseStatus(CaseState.DRAFT),
    "submitted": CaseStatus(CaseState.SUBMITTED, last_offer_by=B),
    "under_review": CaseStatus(CaseState.UNDER_REVIEW, last_offer_by=B),
    "countered": CaseStatus(CaseState.COUNTERED, last_offer_by=L),
    "agreed": CaseStatus(CaseState.AGREED, last_offer_by=L),
    "agreed_b_signed": CaseStatus(CaseState.AGREED, last_offer_by=L, signatures=frozenset({B})),
    "agreed_l_signed": CaseStatus(CaseState.AGREED, last_offer_by=B, signatures=frozenset({L})),
    "signed": CaseStatus(CaseState.SIGNED, last_offer_by=B, signatures=frozenset({B, L})),
    "active": CaseStatus(CaseState.ACTIVE, last_offer_by=B, signatures=frozenset({B, L})),
    "completed": CaseStatus(CaseState.COMPLETED, last_offer_by=B, signatures=frozenset({B, L})),
    "breached": CaseStatus(CaseState.BREACHED, last_offer_by=B, signatures=frozenset({B, L})),
    "withdrawn": CaseStatus(CaseState.WITHDRAWN, last_offer_by=B),
    "rejected": CaseStatus(CaseState.REJECTED, last_offer_by=B),
}

A = Action
# Written out by hand from DESIGN §5: (status, party) → the moves allowed and where they lead.
EXPECTED: dict[tuple[str, Party], dict[Action, CaseState]] = {
    ("draft", B): {A.SUBMIT: CaseState.SUBMITTED, A.WITHDRAW: CaseState.WITHDRAWN},
    ("draft", L): {},
    ("submitted", B): {A.WITHDRAW: CaseState.WITHDRAWN},
    ("submitted", L): {A.START_REVIEW: CaseState.UNDER_REVIEW, A.REJECT: CaseState.REJECTED},
    ("under_review", B): {A.WITHDRAW: CaseState.WITHDRAWN},
    ("under_review", L): {
        A.COUNTER: CaseState.COUNTERED,
        A.ACCEPT: CaseState.AGREED,
        A.REJECT: CaseState.REJECTED,
    },
    ("countered", B): {
        A.COUNTER: CaseState.UNDER_REVIEW,
        A.ACCEPT: CaseState.AGREED,
        A.WITHDRAW: CaseState.WITHDRAWN,
    },
    ("countered", L): {},
    ("agreed", B): {A.SIGN_BORROWER: CaseState.AGREED, A.WITHDRAW: CaseState.WITHDRAWN},
    ("agreed", L): {A.SIGN_LENDER: CaseState.AGREED},
    ("agreed_b_signed", B): {A.WITHDRAW: CaseState.WITHDRAWN},
    ("agreed_b_signed", L): {A.SIGN_LENDER: CaseState.SIGNED},
    ("agreed_l_signed", B): {A.SIGN_BORROWER: CaseState.SIGNED, A.WITHDRAW: CaseState.WITHDRAWN},
    ("agreed_l_signed", L): {},
    ("signed", B): {A.ACTIVATE: CaseState.ACTIVE},
    ("signed", L): {A.ACTIVATE: CaseState.ACTIVE},
    ("active", B): {A.COMPLETE: CaseState.COMPLETED, A.BREACH: CaseState.BREACHED},
    ("active", L): {A.COMPLETE: CaseState.COMPLETED, A.BREACH: CaseState.BREACHED},
    ("completed", B): {},
    ("completed", L): {},
    ("breached", B): {A.REOPEN: CaseState.DRAFT},
    ("breached", L): {A.REOPEN: CaseState.DRAFT},
    ("withdrawn", B): {},
    ("withdrawn", L): {},
    ("rejected", B): {A.REOPEN: CaseState.DRAFT},
    ("rejected", L): {A.REOPEN: CaseState.DRAFT},
}

# The refusals with a more precise code than "case.illegal_transition".
PRECISE: dict[tuple[str, Party, Action], str] = {
    ("under_review", B, A.COUNTER): "case.not_your_turn",
    ("under_review", B, A.ACCEPT): "case.cannot_accept_own_offer",
    ("countered", L, A.COUNTER): "case.not_your_turn",
    ("countered", L, A.ACCEPT): "case.cannot_accept_own_offer",
    ("countered", L, A.REJECT): "case.not_your_turn",
    ("agreed_b_signed", B, A.SIGN_BORROWER): "case.already_signed",
    ("agreed_l_signed", L, A.SIGN_LENDER): "case.already_signed",
}
# Moves of the other side in a state where the move exists.
OTHER_SIDE = {
    "draft": {(L, A.SUBMIT), (L, A.WITHDRAW)},
    "submitted": {(B, A.START_REVIEW), (B, A.REJECT), (L, A.WITHDRAW)},
    "under_review": {(B, A.REJECT), (L, A.WITHDRAW)},
    "countered": {(B, A.REJECT), (L, A.WITHDRAW)},
    "agreed": {(L, A.SIGN_BORROWER), (B, A.SIGN_LENDER), (L, A.WITHDRAW)},
}


def test_the_table_covers_every_state_and_party() -> None:
    assert {s.state for s in STATUSES.values()} == set(CaseState)
    assert set(EXPECTED) == {(name, p) for name in STATUSES for p in Party}


def expected_code(name: str, party: Party, action: Action) -> str:
    if (name, party, action) in PRECISE:
        return PRECISE[(name, party, action)]
    if (party, action) in OTHER_SIDE.get(STATUSES[name].state.value, set()):
        return "case.wrong_party"
    return "case.illegal_transition"


CELLS = [(name, p, a) for name in STATUSES for p in Party for a in Action]


@pytest.mark.parametrize(
    ("name", "party", "action"), CELLS, ids=lambda x: str(getattr(x, "value", x))
)
def test_every_move_is_allowed_or_refused_with_its_code(
    name: str, party: Party, action: Action
) -> None:
    status = STATUSES[name]
    allowed = EXPECTED[(name, party)]
    assert (action in allowed_actions(status, party)) == (action in allowed)
    if action in allowed:
        after = transition(status, action, party, today=DAY)
        assert after.state is allowed[action]
    else:
        with pytest.raises(DomainError) as refused:
            transition(status, action, party, today=DAY)
        assert refused.value.code == expected_code(name, party, action)
        assert refused.value.params == {
            "state": status.state.value,
            "action": action.value,
            "actor": party.value,
        }


def test_allowed_actions_agree_with_the_table() -> None:
    for (name, party), moves in EXPECTED.items():
        assert allowed_actions(STATUSES[name], party) == frozenset(moves), (name, party)


# -- rounds, signatures, deadlines --------------------------------------------------------


def test_a_rejected_case_reopens_as_a_fresh_draft_of_the_next_round() -> None:
    s = step(step(new_case(), A.SUBMIT, B), A.REJECT, L, 3)
    s = step(s, A.REOPEN, B, 30)
    assert s == CaseStatus(CaseState.DRAFT, round=2)
    breached = STATUSES["breached"]
    assert step(breached, A.REOPEN, L) == CaseStatus(CaseState.DRAFT, round=2)


def test_withdrawing_a_half_signed_agreement_drops_the_signature() -> None:
    s = step(STATUSES["agreed_b_signed"], A.WITHDRAW, B)
    assert (s.state, s.signatures, s.deadline) == (CaseState.WITHDRAWN, frozenset(), None)


def test_a_lender_move_recorded_by_the_borrower_counts_for_the_lender() -> None:
    assert party_for(agent=False, recorded_for_lender=True) is L
    assert party_for(agent=True) is L
    assert party_for(agent=False) is B
    s = step(new_case(), A.SUBMIT, B)
    s = step(s, A.START_REVIEW, party_for(agent=False, recorded_for_lender=True))
    assert s.state is CaseState.UNDER_REVIEW


def test_a_reply_is_overdue_only_after_its_deadline_day() -> None:
    s = step(new_case(), A.SUBMIT, B)
    assert not is_overdue(s, date(2026, 12, 16))
    assert is_overdue(s, date(2026, 12, 17))
    assert not is_overdue(new_case(), date(2099, 1, 1))


def test_reply_days_override_the_policy_for_moves_that_ask_for_a_reply() -> None:
    s = transition(new_case(), A.SUBMIT, B, today=DAY, reply_days=30)
    assert s.deadline == date(2026, 12, 31)
    policy = DeadlinePolicy(submission_reply_days=10, offer_reply_days=3, signature_days=5)
    s = transition(new_case(), A.SUBMIT, B, today=DAY, policy=policy)
    assert s.deadline == date(2026, 12, 11)
    s = transition(step(s, A.START_REVIEW, L), A.COUNTER, L, today=DAY, policy=policy)
    assert s.deadline == date(2026, 12, 4)
    s = transition(s, A.ACCEPT, B, today=DAY, policy=policy)
    assert s.deadline == date(2026, 12, 6)


def test_reply_days_are_refused_when_not_positive_or_when_no_reply_is_asked() -> None:
    with pytest.raises(DomainError) as refused:
        transition(new_case(), A.SUBMIT, B, today=DAY, reply_days=0)
    assert (refused.value.code, refused.value.field) == (
        "case.reply_days_not_positive",
        "reply_days",
    )
    submitted = step(new_case(), A.SUBMIT, B)
    with pytest.raises(DomainError) as refused:
        transition(submitted, A.START_REVIEW, L, today=DAY, reply_days=5)
    assert refused.value.code == "case.no_reply_window"


def test_an_illegal_move_is_refused_before_its_reply_days_are_looked_at() -> None:
    with pytest.raises(DomainError) as refused:
        transition(new_case(), A.ACCEPT, B, today=DAY, reply_days=0)
    assert refused.value.code == "case.illegal_transition"


def test_a_deadline_policy_refuses_a_period_shorter_than_a_day() -> None:
    with pytest.raises(DomainError) as refused:
        DeadlinePolicy(offer_reply_days=0)
    assert (refused.value.code, refused.value.field) == (
        "case.deadline_days_not_positive",
        "offer_reply_days",
    )


def test_a_status_refuses_round_zero_and_signatures_out_of_place() -> None:
    with pytest.raises(DomainError) as refused:
        CaseStatus(CaseState.DRAFT, round=0)
    assert refused.value.code == "case.round_not_positive"
    for state, signatures in (
        (CaseState.DRAFT, frozenset({B})),
        (CaseState.COUNTERED, frozenset({B, L})),
        (CaseState.SIGNED, frozenset({L})),
        (CaseState.ACTIVE, frozenset[Party]()),
        (CaseState.WITHDRAWN, frozenset({B})),
    ):
        with pytest.raises(DomainError) as refused:
            CaseStatus(state, signatures=signatures)
        assert refused.value.code == "case.signatures_inconsistent"


def test_the_case_waits_for_the_side_whose_turn_it_is() -> None:
    assert awaiting(STATUSES["submitted"]) == {L}
    assert awaiting(STATUSES["under_review"]) == {L}
    assert awaiting(STATUSES["countered"]) == {B}
    assert awaiting(STATUSES["agreed"]) == {B, L}
    assert awaiting(STATUSES["agreed_b_signed"]) == {L}
    assert awaiting(STATUSES["active"]) == frozenset()
