"""``/api/plan``: the whole picture from the stored statement and loans, as the CLI's
``plan --json`` gives it for a situation file."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from xieshang.present.views import plan_json
from xieshang.services import plans
from xieshang.services.loans import local_today

from .deps import ActorDep, ContainerDep, LangDep
from .schemas_data import MAX_ID

router = APIRouter(tags=["plans"])


@router.get(
    "/api/plan",
    summary="Capacity, each loan against the law, a request per creditor, the allocation",
)
def get_plan(
    *,
    container: ContainerDep,
    actor: ActorDep,
    lang: LangDep,
    borrower_id: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="The borrower acted for (default: yourself)."),
    ] = None,
    strategy: Annotated[
        Literal["pro_rata", "principal_first", "avalanche", "snowball"],
        Query(description="How capacity is shared among creditors."),
    ] = "pro_rata",
    living_cost_basis: Annotated[
        Literal["own", "reference", "higher"], Query(description="Living costs used.")
    ] = "own",
    exclude: Annotated[
        list[int] | None,
        Query(
            max_length=100,
            description="Loans (ids) kept on their contract terms, outside the plan.",
        ),
    ] = None,
) -> dict[str, Any]:
    report = plans.plan_for(
        container.uow(),
        actor,
        borrower_id or actor.user_id,
        as_of=local_today(container.clock()),
        strategy=strategy,
        living_cost_basis=living_cost_basis,
        exclude=exclude or (),
    )
    return plan_json(report, lang)
