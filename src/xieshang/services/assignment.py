"""Who at the lender works a case: the desk's assignment.

Rules: only staff of the case's organisation see or change it (anyone else: "not found"; the
borrower side: refused — it is the lender's internal matter and not in the shared log).  An
agent may take a case nobody holds, or hand back one they hold; a supervisor may give any case
to any active agent or supervisor of the organisation, or take it back from anyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from xieshang.domain.case_state import Party
from xieshang.domain.errors import DomainError
from xieshang.store.models import CaseAssignmentRow, User
from xieshang.store.unit_of_work import UnitOfWork

from .access import LENDER_STAFF, Actor, forbidden
from .cases import case_for

MAX_STAFF = 500


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: int
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class Assignment:
    """A case's assignee (None: nobody holds it)."""

    case_id: int
    assignee: StaffMember | None
    assigned_by: StaffMember | None
    assigned_at: datetime | None


def _member(user: User | None) -> StaffMember | None:
    return None if user is None else StaffMember(user.id, user.display_name, user.role)


def _assignment(uow: UnitOfWork, case_id: int, row: CaseAssignmentRow | None) -> Assignment:
    if row is None:
        return Assignment(case_id, None, None, None)
    return Assignment(
        case_id,
        _member(uow.users.get(row.assignee_id)),
        _member(uow.users.get(row.assigned_by_id)),
        row.assigned_at,
    )


def _staff_rows(uow: UnitOfWork, organisation_id: int) -> list[User]:
    page = uow.users.list(organisation_id=organisation_id, limit=MAX_STAFF, offset=0)
    return [u for u in page.items if u.role in LENDER_STAFF and not u.disabled]


def staff(uow: UnitOfWork, actor: Actor) -> tuple[StaffMember, ...]:
    """The active agents and supervisors of the caller's organisation (whom a case can go to)."""
    if not actor.is_lender_staff or actor.organisation_id is None:
        raise forbidden("role")
    with uow:
        return tuple(
            StaffMember(u.id, u.display_name, u.role)
            for u in _staff_rows(uow, actor.organisation_id)
        )


def assignments(uow: UnitOfWork, actor: Actor, case_ids: Sequence[int]) -> dict[int, Assignment]:
    """The assignments of the caller's organisation's cases among ``case_ids`` (lender staff
    only; nobody else learns anything)."""
    if not actor.is_lender_staff or actor.organisation_id is None:
        return {}
    with uow:
        found = {}
        for case_id, row in uow.case_assignments.for_cases(case_ids).items():
            case = uow.cases.get(case_id)
            if case is not None and case.lender_organisation_id == actor.organisation_id:
                found[case_id] = _assignment(uow, case_id, row)
        return found


def get_assignment(uow: UnitOfWork, actor: Actor, case_id: int) -> Assignment:
    with uow:
        _, side = case_for(uow, actor, case_id)
        if side.party is not Party.LENDER:
            raise forbidden("assignee")
        return _assignment(uow, case_id, uow.case_assignments.for_case(case_id))


def assign_case(
    uow: UnitOfWork, actor: Actor, case_id: int, assignee_id: int | None, *, now: datetime
) -> Assignment:
    """Give the case to ``assignee_id`` (None: to nobody), by the rules above."""
    with uow:
        case, side = case_for(uow, actor, case_id)
        if side.party is not Party.LENDER or case.lender_organisation_id is None:
            raise forbidden("assignee")
        current = uow.case_assignments.for_case(case_id)
        if actor.role != "supervisor":
            holder = None if current is None else current.assignee_id
            taking = assignee_id == actor.user_id and holder in (None, actor.user_id)
            handing_back = assignee_id is None and holder == actor.user_id
            if not (taking or handing_back):
                raise DomainError("case.assign_supervisor_only", field="assignee_id")
        if assignee_id is not None:
            members = {u.id for u in _staff_rows(uow, case.lender_organisation_id)}
            if assignee_id not in members:
                raise DomainError("case.assignee_not_staff", field="assignee_id")
        if current is not None:
            uow.case_assignments.delete(current)
        row = None
        if assignee_id is not None:
            row = uow.case_assignments.add(
                CaseAssignmentRow(
                    case_id=case_id,
                    assignee_id=assignee_id,
                    assigned_by_id=actor.user_id,
                    assigned_at=now,
                )
            )
        result = _assignment(uow, case_id, row)
        uow.commit()
        return result
