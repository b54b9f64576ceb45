"""``/api/lender/…``: the caller's organisation's valuation assumptions, offer limits and reply
deadlines (staff read; a supervisor replaces them), its staff, and who works each case."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from xieshang.services import assignment, lender_settings

from .deps import ActorDep, ContainerDep
from .schemas_data import MAX_ID, PathId

router = APIRouter(tags=["lender"])


class SettingsIn(BaseModel):
    """Every section and key optional (defaults apply); numbers as strings or integers —
    fractions, not percent (``"0.10"`` is 10 %)."""

    model_config = ConfigDict(extra="forbid")

    assumptions: dict[str, Any] = Field(
        default_factory=dict,
        examples=[{"discount_rate": "0.08", "collection_recovery_rate": "0.3"}],
        max_length=10,
    )
    limits: dict[str, Any] = Field(
        default_factory=dict,
        examples=[{"max_extension_months": 24, "max_waiver_fraction": "0.2"}],
        max_length=10,
    )
    deadlines: dict[str, Any] = Field(
        default_factory=dict, examples=[{"offer_reply_days": 10}], max_length=10
    )


class SettingsOut(BaseModel):
    organisation_id: int
    defaults: bool
    updated_at: datetime | None
    settings: dict[str, Any]

    @classmethod
    def of(cls, view: lender_settings.SettingsView) -> SettingsOut:
        return cls(
            organisation_id=view.organisation_id,
            defaults=view.defaults,
            updated_at=view.updated_at,
            settings=view.record(),
        )


@router.get(
    "/api/lender/settings",
    response_model=SettingsOut,
    summary="Your organisation's valuation assumptions, offer limits and deadlines",
)
def get_settings(container: ContainerDep, actor: ActorDep) -> SettingsOut:
    return SettingsOut.of(lender_settings.get_settings(container.uow(), actor))


@router.put(
    "/api/lender/settings",
    response_model=SettingsOut,
    summary="Replace them (supervisors)",
)
def put_settings(body: SettingsIn, container: ContainerDep, actor: ActorDep) -> SettingsOut:
    view = lender_settings.put_settings(
        container.uow(), actor, body.model_dump(), now=container.clock()
    )
    return SettingsOut.of(view)


class StaffOut(BaseModel):
    id: int
    name: str
    role: str


class AssignmentOut(BaseModel):
    case_id: int
    assignee: StaffOut | None
    assigned_by: StaffOut | None
    assigned_at: datetime | None

    @classmethod
    def of(cls, found: assignment.Assignment) -> AssignmentOut:
        def staff(member: assignment.StaffMember | None) -> StaffOut | None:
            return None if member is None else StaffOut(**asdict(member))

        return cls(
            case_id=found.case_id,
            assignee=staff(found.assignee),
            assigned_by=staff(found.assigned_by),
            assigned_at=found.assigned_at,
        )


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="A member of the case's lender staff; null: nobody",
    )


@router.get("/api/lender/staff", response_model=list[StaffOut], summary="Your organisation's staff")
def list_staff(container: ContainerDep, actor: ActorDep) -> list[StaffOut]:
    return [StaffOut(**asdict(m)) for m in assignment.staff(container.uow(), actor)]


@router.get(
    "/api/cases/{case_id}/assignee",
    response_model=AssignmentOut,
    summary="Who at the lender works the case (lender staff)",
)
def get_assignee(case_id: PathId, container: ContainerDep, actor: ActorDep) -> AssignmentOut:
    return AssignmentOut.of(assignment.get_assignment(container.uow(), actor, case_id))


@router.put(
    "/api/cases/{case_id}/assignee",
    response_model=AssignmentOut,
    summary="Give the case to a member of staff (an agent: take it or hand it back)",
)
def put_assignee(
    case_id: PathId, body: AssignIn, container: ContainerDep, actor: ActorDep
) -> AssignmentOut:
    found = assignment.assign_case(
        container.uow(), actor, case_id, body.assignee_id, now=container.clock()
    )
    return AssignmentOut.of(found)
