"""``/api/statement``: the borrower's financial statement and repayment capacity.

``?borrower_id=`` lets a granted counselor (read and write) or consented lender staff (the
summary only) act on a borrower; without it, the caller's own statement.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from xieshang.services import statements

from .deps import ActorDep, ContainerDep, LangDep
from .schemas_data import MAX_ID, StatementIn, StatementOut

router = APIRouter(tags=["statements"])

BorrowerQuery = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="The borrower acted for (default: yourself).")
]
BasisQuery = Annotated[
    Literal["own", "reference", "higher"],
    Query(description="Living costs used for capacity: own budget, reference, or the higher."),
]


@router.get("/api/statement", response_model=StatementOut, summary="Read a statement")
def get_statement(
    *,
    container: ContainerDep,
    actor: ActorDep,
    lang: LangDep,
    borrower_id: BorrowerQuery = None,
    living_cost_basis: BasisQuery = "own",
) -> StatementOut:
    view = statements.get_statement(
        container.uow(),
        actor,
        borrower_id or actor.user_id,
        living_cost_basis=living_cost_basis,
    )
    return StatementOut.of(view, lang)


@router.put(
    "/api/statement",
    response_model=StatementOut,
    summary="Create or replace a statement (201 when created)",
    responses={201: {"model": StatementOut}},
)
def put_statement(
    *,
    body: StatementIn,
    container: ContainerDep,
    actor: ActorDep,
    lang: LangDep,
    borrower_id: BorrowerQuery = None,
    living_cost_basis: BasisQuery = "own",
) -> JSONResponse:
    view, created = statements.put_statement(
        container.uow(),
        actor,
        borrower_id or actor.user_id,
        body.to_input(),
        now=container.clock(),
        living_cost_basis=living_cost_basis,
    )
    out = StatementOut.of(view, lang).model_dump(mode="json")
    return JSONResponse(out, status_code=201 if created else 200)
