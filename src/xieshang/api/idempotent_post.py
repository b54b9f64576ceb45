"""POSTs that create a record answer through here: with an ``Idempotency-Key`` a retry gets
the first answer (header ``Idempotent-Replayed: true``) instead of a second record; the same key
on a different request is 409 ``idempotency.conflict``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from xieshang.bootstrap import Container
from xieshang.services import idempotency
from xieshang.services.access import Actor

REPLAYED_HEADER = "Idempotent-Replayed"

V = TypeVar("V")


def created_response(
    request: Request,
    *,
    container: Container,
    actor: Actor,
    key: str | None,
    fingerprint: Any,
    produce: Callable[[], tuple[int, Any]],
) -> JSONResponse:
    """Run ``produce`` (status, JSON body) once per ``(actor, key)``; ``fingerprint`` is what
    makes two requests the same (the body, and any query parameter that changes the meaning)."""
    path = request.url.path
    stored = idempotency.run_idempotent(
        container.uow,
        actor,
        key,
        "POST",
        path,
        idempotency.request_fingerprint("POST", path, fingerprint),
        produce,
        now=container.clock(),
    )
    headers = {REPLAYED_HEADER: "true"} if stored.replayed else {}
    return JSONResponse(stored.body, status_code=stored.status, headers=headers)


def created_or_existing_response(
    request: Request,
    *,
    container: Container,
    actor: Actor,
    key: str | None,
    body: BaseModel,
    act: Callable[[], tuple[V, bool]],
    out: Callable[[V], BaseModel],
) -> JSONResponse:
    """A POST whose service answers ``(view, created)``: 201 with the new record, 200 with the
    one already there; the request body is the fingerprint."""

    def produce() -> tuple[int, Any]:
        view, created = act()
        return (201 if created else 200), out(view).model_dump(mode="json")

    return created_response(
        request,
        container=container,
        actor=actor,
        key=key,
        fingerprint=body.model_dump(mode="json"),
        produce=produce,
    )
