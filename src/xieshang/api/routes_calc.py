"""``/api/calc/*``: the CLI's stateless calculators — a schedule, a true APR — for API users.

Amounts and rates are strings (``"100"``, ``"9.4822"`` percent) and come back as strings, so no
binary float ever touches a money path; the answers equal ``xieshang schedule|apr --json``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from xieshang.domain.errors import DomainError
from xieshang.domain.money import money, positive_money
from xieshang.domain.rates import DayCount, parse_rate
from xieshang.domain.schedule import Method
from xieshang.present.views import jsonable
from xieshang.services.calculations import (
    compute_apr_dated,
    compute_apr_regular,
    compute_schedule,
)

from .deps import ActorDep

router = APIRouter(tags=["calculators"])

Text = Field(max_length=40)


class ScheduleIn(BaseModel):
    principal: str = Text
    annual_rate: str = Field(max_length=40, description="Percent, e.g. 9.4822.")
    months: int = Field(ge=1, le=600)
    method: Literal["annuity", "equal-principal", "interest-only", "bullet"] = "annuity"
    start: date
    day_count: Literal["30/360", "act/360", "act/365"] = "30/360"
    first_due: date | None = None
    round_to: str | None = Field(default=None, max_length=40)
    business_day: Literal[
        "none", "following", "modified-following", "preceding", "modified-preceding"
    ] = "none"


class FlowIn(BaseModel):
    date: date
    amount: str = Text


class AprIn(BaseModel):
    """Either level payments (``principal``, ``payment``, ``months``, optional
    ``upfront_fee``) or dated ``flows`` (received positive, paid negative)."""

    principal: str | None = Field(default=None, max_length=40)
    upfront_fee: str = Field(default="0", max_length=40)
    payment: str | None = Field(default=None, max_length=40)
    months: int | None = Field(default=None, ge=1, le=600)
    flows: list[FlowIn] | None = Field(default=None, max_length=1200)


@router.post("/api/calc/schedule", summary="A repayment schedule, exact to the fen")
def calc_schedule(body: ScheduleIn, actor: ActorDep) -> dict[str, Any]:
    schedule = compute_schedule(
        principal=positive_money(body.principal, field="principal"),
        annual_rate=parse_rate(body.annual_rate, field="annual_rate", percent=True),
        months=body.months,
        method=Method.parse(body.method),
        start=body.start,
        day_count=DayCount.parse(body.day_count),
        first_due=body.first_due,
        round_to=positive_money(body.round_to, field="round_to") if body.round_to else None,
        business_day_rule=body.business_day,
    )
    return {
        "principal": jsonable(schedule.principal),
        "annual_rate": jsonable(schedule.annual_rate),
        "method": schedule.method.value,
        "start": schedule.start.isoformat(),
        "months": schedule.months,
        "rows": [
            {
                "n": r.n,
                "due_date": r.due_date.isoformat(),
                "payment": str(r.payment),
                "principal": str(r.principal),
                "interest": str(r.interest),
                "fee": str(r.fee),
                "balance": str(r.balance),
            }
            for r in schedule.rows
        ],
        "totals": {
            "payment": str(schedule.total_payment),
            "principal": str(schedule.total_principal),
            "interest": str(schedule.total_interest),
            "fee": str(schedule.total_fees),
        },
        "notes": list(schedule.notes),
    }


@router.post("/api/calc/apr", summary="The true annualised rate (IRR) on the money received")
def calc_apr(body: AprIn, actor: ActorDep) -> dict[str, Any]:
    received = None
    if body.flows:
        flows = [
            (f.date, money(f.amount, field=f"flows[{i}].amount")) for i, f in enumerate(body.flows)
        ]
        result = compute_apr_dated(flows)
    elif body.principal is not None and body.payment is not None and body.months is not None:
        principal = positive_money(body.principal, field="principal")
        fee = money(body.upfront_fee, field="upfront_fee", allow_negative=False)
        payment = positive_money(body.payment, field="payment")
        result = compute_apr_regular(principal, fee, payment, body.months)
        received = principal - fee
    else:
        raise DomainError("cli.apr_needs_inputs", field="flows")
    answer: dict[str, Any] = {
        "periodic_irr": str(result.periodic_irr),
        "periods_per_year": result.periods_per_year,
        "apr_simple": str(result.apr_simple),
        "apr_compound": str(result.apr_compound),
        "sign_changes": result.sign_changes,
        "warnings": list(result.warnings),
    }
    if received is not None:
        answer["received"] = str(received)
    return answer
