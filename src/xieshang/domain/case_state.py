"""The negotiation case's state machine (DESIGN §5): which move each side may make, and when
a reply is due.

``draft → submitted → under_review ⇄ countered → agreed → signed → active → completed |
breached``, plus ``withdrawn`` and ``rejected``; a breached or rejected case reopens as a new
round.  The two negotiating states say whose turn it is: ``under_review`` — the lender owes a
reply to the borrower's standing offer; ``countered`` — the borrower owes a reply to the
lender's.  A counter-offer hands the turn over (``under_review ⇄ countered``); only the side
that did *not* make the standing offer may accept it.

The lender side is an organisation's agent, or the borrower recording what an external
platform did (``party_for(agent=False, recorded_for_lender=True)``): the machine sees the same
``Party.LENDER`` either way.  No I/O, no clock: ``today`` is passed in.

>>> d = date(2026, 12, 1)
>>> s = transition(new_case(), Action.SUBMIT, Party.BORROWER, today=d)
>>> s.state.value, s.deadline
('submitted', datetime.date(2026, 12, 16))
>>> sorted(a.value for a in allowed_actions(s, Party.LENDER))
['reject', 'start_review']
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import Enum

from .errors import DomainError


class CaseState(Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    COUNTERED = "countered"
    AGREED = "agreed"
    SIGNED = "signed"
    ACTIVE = "active"
    COMPLETED = "completed"
    BREACHED = "breached"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"


class Party(Enum):
    BORROWER = "borrower"
    LENDER = "lender"

    @property
    def other(self) -> Party:
        return Party.LENDER if self is Party.BORROWER else Party.BORROWER


class Action(Enum):
    SUBMIT = "submit"
    START_REVIEW = "start_review"
    COUNTER = "counter"
    ACCEPT = "accept"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    SIGN_BORROWER = "sign_borrower"
    SIGN_LENDER = "sign_lender"
    ACTIVATE = "activate"
    COMPLETE = "complete"
    BREACH = "breach"
    REOPEN = "reopen"


BOTH = frozenset(Party)
_B = frozenset({Party.BORROWER})
_L = frozenset({Party.LENDER})

# state → action → the parties that may make it there (turn rules come on top).
_MOVES: dict[CaseState, dict[Action, frozenset[Party]]] = {
    CaseState.DRAFT: {Action.SUBMIT: _B, Action.WITHDRAW: _B},
    CaseState.SUBMITTED: {Action.START_REVIEW: _L, Action.REJECT: _L, Action.WITHDRAW: _B},
    CaseState.UNDER_REVIEW: {
        Action.COUNTER: BOTH,
        Action.ACCEPT: BOTH,
        Action.REJECT: _L,
        Action.WITHDRAW: _B,
    },
    CaseState.COUNTERED: {
        Action.COUNTER: BOTH,
        Action.ACCEPT: BOTH,
        Action.REJECT: _L,
        Action.WITHDRAW: _B,
    },
    CaseState.AGREED: {Action.SIGN_BORROWER: _B, Action.SIGN_LENDER: _L, Action.WITHDRAW: _B},
    # Activation, completion and breach are facts the services establish (first schedule
    # started, ledger paid up, breach rule met); either side's record of them is accepted.
    CaseState.SIGNED: {Action.ACTIVATE: BOTH},
    CaseState.ACTIVE: {Action.COMPLETE: BOTH, Action.BREACH: BOTH},
    CaseState.COMPLETED: {},
    CaseState.BREACHED: {Action.REOPEN: BOTH},
    CaseState.WITHDRAWN: {},
    CaseState.REJECTED: {Action.REOPEN: BOTH},
}

TERMINAL = frozenset(
    {CaseState.COMPLETED, CaseState.BREACHED, CaseState.WITHDRAWN, CaseState.REJECTED}
)
# States in which the agreement has been signed by both.
_SIGNED_ON = frozenset(
    {CaseState.SIGNED, CaseState.ACTIVE, CaseState.COMPLETED, CaseState.BREACHED}
)
_SIGN_ACTIONS = {Action.SIGN_BORROWER: Party.BORROWER, Action.SIGN_LENDER: Party.LENDER}


def party_for(*, agent: bool, recorded_for_lender: bool = False) -> Party:
    """The side a move counts for: an agent, or a borrower recording the platform's move, is
    the lender side.

    >>> party_for(agent=False, recorded_for_lender=True).value
    'lender'
    """
    return Party.LENDER if agent or recorded_for_lender else Party.BORROWER


@dataclass(frozen=True, slots=True)
class DeadlinePolicy:
    """Days allowed for a reply, counted from the day of the move that asks for it.

    Defaults (configurable per organisation): the lender answers a submission within 15 days,
    either side answers an offer within 7, both sign within 7 of the acceptance.

    >>> DeadlinePolicy().submission_reply_days
    15
    """

    submission_reply_days: int = 15
    offer_reply_days: int = 7
    signature_days: int = 7

    def __post_init__(self) -> None:
        for name in ("submission_reply_days", "offer_reply_days", "signature_days"):
            if getattr(self, name) < 1:
                raise DomainError(
                    "case.deadline_days_not_positive", field=name, value=getattr(self, name)
                )


DEFAULT_DEADLINES = DeadlinePolicy()


@dataclass(frozen=True, slots=True)
class CaseStatus:
    """Where a case stands: state, negotiation round (from 1), who made the standing offer,
    who has signed, and the day by which the awaited reply is due."""

    state: CaseState
    round: int = 1
    last_offer_by: Party | None = None
    signatures: frozenset[Party] = frozenset()
    deadline: date | None = None

    def __post_init__(self) -> None:
        if self.round < 1:
            raise DomainError("case.round_not_positive", field="round", value=self.round)
        signed = self.signatures
        if (signed and self.state not in _SIGNED_ON | {CaseState.AGREED}) or (
            self.state in _SIGNED_ON and signed != BOTH
        ):
            raise DomainError(
                "case.signatures_inconsistent",
                field="signatures",
                state=self.state.value,
                signatures=",".join(sorted(p.value for p in signed)),
            )


def new_case() -> CaseStatus:
    """A fresh draft in round 1."""
    return CaseStatus(CaseState.DRAFT)


def _refusal(status: CaseStatus, action: Action, actor: Party) -> DomainError | None:
    """Why ``actor`` may not make ``action`` now, or None.  Checked from the broadest reason
    (the state knows no such move) to the most precise (whose turn, who signed)."""
    where = {"state": status.state.value, "action": action.value, "actor": actor.value}
    parties = _MOVES[status.state].get(action)
    if parties is None:
        return DomainError("case.illegal_transition", field="action", **where)
    if actor not in parties:
        return DomainError("case.wrong_party", field="actor", **where)
    if action is Action.ACCEPT and status.last_offer_by is actor:
        return DomainError("case.cannot_accept_own_offer", field="action", **where)
    if action is Action.COUNTER and status.last_offer_by is actor:
        return DomainError("case.not_your_turn", field="action", **where)
    if action is Action.REJECT and status.last_offer_by is actor:  # only after a lender counter
        return DomainError("case.not_your_turn", field="action", **where)
    if action in _SIGN_ACTIONS and actor in status.signatures:
        return DomainError("case.already_signed", field="action", **where)
    return None


def allowed_actions(status: CaseStatus, actor: Party) -> frozenset[Action]:
    """Every move ``actor`` may make now.

    >>> allowed_actions(new_case(), Party.LENDER)
    frozenset()
    """
    return frozenset(a for a in Action if _refusal(status, a, actor) is None)


def awaiting(status: CaseStatus) -> frozenset[Party]:
    """The sides whose move the case waits for (the ones a deadline binds).

    >>> awaiting(CaseStatus(CaseState.COUNTERED, last_offer_by=Party.LENDER)) == {Party.BORROWER}
    True
    """
    if status.state in (CaseState.SUBMITTED, CaseState.UNDER_REVIEW):
        return _L
    if status.state is CaseState.COUNTERED:
        return _B
    if status.state is CaseState.AGREED:
        return BOTH - status.signatures
    return frozenset()


def is_overdue(status: CaseStatus, today: date) -> bool:
    """The awaited reply is late: ``today`` is past the deadline (the deadline day is on time).

    >>> s = CaseStatus(CaseState.SUBMITTED, last_offer_by=Party.BORROWER,
    ...                deadline=date(2026, 12, 16))
    >>> is_overdue(s, date(2026, 12, 16)), is_overdue(s, date(2026, 12, 17))
    (False, True)
    """
    return status.deadline is not None and today > status.deadline


def _reply_window(action: Action, policy: DeadlinePolicy) -> int | None:
    """Days the move gives the other side to answer; None if it asks for no reply."""
    if action is Action.SUBMIT:
        return policy.submission_reply_days
    if action is Action.COUNTER:
        return policy.offer_reply_days
    if action is Action.ACCEPT:
        return policy.signature_days
    return None


def transition(
    status: CaseStatus,
    action: Action,
    actor: Party,
    *,
    today: date,
    reply_days: int | None = None,
    policy: DeadlinePolicy = DEFAULT_DEADLINES,
) -> CaseStatus:
    """The status after ``actor`` makes ``action`` on ``today``; refuses illegal moves.

    ``reply_days`` overrides the policy's window for a move that asks for a reply (submit,
    counter, accept).

    >>> s = CaseStatus(CaseState.UNDER_REVIEW, last_offer_by=Party.BORROWER)
    >>> t = transition(s, Action.COUNTER, Party.LENDER, today=date(2026, 12, 1))
    >>> t.state.value, t.last_offer_by.value, t.deadline
    ('countered', 'lender', datetime.date(2026, 12, 8))
    >>> transition(t, Action.ACCEPT, Party.LENDER, today=date(2026, 12, 2))
    Traceback (most recent call last):
    ...
    xieshang.domain.errors.DomainError: case.cannot_accept_own_offer [action]: state=countered, action=accept, actor=lender
    """  # noqa: E501
    refusal = _refusal(status, action, actor)
    if refusal is not None:
        raise refusal
    window = _reply_window(action, policy)
    if reply_days is not None:
        if window is None:
            raise DomainError("case.no_reply_window", field="reply_days", action=action.value)
        if reply_days < 1:
            raise DomainError("case.reply_days_not_positive", field="reply_days", value=reply_days)
        window = reply_days
    due = today + timedelta(days=window) if window is not None else None

    if action is Action.SUBMIT:
        return replace(status, state=CaseState.SUBMITTED, last_offer_by=actor, deadline=due)
    if action is Action.START_REVIEW:  # the submission's deadline still binds the lender
        return replace(status, state=CaseState.UNDER_REVIEW)
    if action is Action.COUNTER:
        # The turn passes: a lender's offer awaits the borrower, a borrower's the lender.
        state = CaseState.COUNTERED if actor is Party.LENDER else CaseState.UNDER_REVIEW
        return replace(status, state=state, last_offer_by=actor, deadline=due)
    if action is Action.ACCEPT:
        return replace(status, state=CaseState.AGREED, deadline=due)
    if action in _SIGN_ACTIONS:
        signatures = status.signatures | {actor}
        if signatures == BOTH:
            return replace(status, state=CaseState.SIGNED, signatures=signatures, deadline=None)
        return replace(status, signatures=signatures)
    if action is Action.REOPEN:
        return CaseStatus(CaseState.DRAFT, round=status.round + 1)
    if action is Action.WITHDRAW:  # a half-signed agreement falls with the case
        return replace(status, state=CaseState.WITHDRAWN, signatures=frozenset(), deadline=None)
    target = {
        Action.REJECT: CaseState.REJECTED,
        Action.ACTIVATE: CaseState.ACTIVE,
        Action.COMPLETE: CaseState.COMPLETED,
        Action.BREACH: CaseState.BREACHED,
    }[action]
    return replace(status, state=target, deadline=None)
