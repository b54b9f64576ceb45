"""A lender organisation's evaluation settings: valuation assumptions (discount rate,
re-default curve, collection recovery, its delay and costs), offer limits with the approver's
role, and reply deadlines.  Staff of the organisation read them; a supervisor changes them (the
maker-checker rule would be empty if agents set their own limits).  Unset, the defaults of
``domain.lender_policy`` apply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import canonical_json
from xieshang.domain.lender_policy import (
    DEFAULT_SETTINGS,
    LenderSettings,
    settings_from_record,
    settings_record,
)
from xieshang.store.models import LenderSettingsRow
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor, forbidden


@dataclass(frozen=True, slots=True)
class SettingsView:
    organisation_id: int
    settings: LenderSettings
    defaults: bool  # nothing stored: the defaults apply
    updated_at: datetime | None

    def record(self) -> dict[str, Any]:
        """JSON-able (Decimals as strings)."""
        loaded: dict[str, Any] = json.loads(canonical_json(settings_record(self.settings)))
        return loaded


def _organisation_of(actor: Actor) -> int:
    if not actor.is_lender_staff or actor.organisation_id is None:
        raise forbidden("organisation")
    return actor.organisation_id


def get_settings(uow: UnitOfWork, actor: Actor) -> SettingsView:
    """The caller's organisation's settings (lender staff only)."""
    org = _organisation_of(actor)
    with uow:
        row = uow.lender_settings.get(org)
        if row is None:
            return SettingsView(org, DEFAULT_SETTINGS, True, None)
        return SettingsView(
            org, settings_from_record(json.loads(row.parameters)), False, row.updated_at
        )


def put_settings(uow: UnitOfWork, actor: Actor, record: object, *, now: datetime) -> SettingsView:
    """Replace the settings from a record (every key optional; unknown keys refused).  Only a
    supervisor of the organisation may."""
    org = _organisation_of(actor)
    if actor.role != "supervisor":
        raise DomainError("policy.supervisor_only", field="role")
    settings = settings_from_record(record)  # validated before anything is written
    text = canonical_json(settings_record(settings)).decode("utf-8")
    with uow:
        row = uow.lender_settings.get(org)
        if row is None:
            uow.lender_settings.add(
                LenderSettingsRow(organisation_id=org, parameters=text, updated_at=now)
            )
        else:
            row.parameters, row.updated_at = text, now
        uow.commit()
    return SettingsView(org, settings, False, now)
