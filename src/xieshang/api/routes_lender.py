"""``/api/lender/settings``: the caller's organisation's valuation assumptions, offer limits
and reply deadlines (staff read; a supervisor replaces them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from xieshang.services import lender_settings

from .deps import ActorDep, ContainerDep

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
