"""Idempotency keys: a retried POST gets the first answer instead of creating a second record.

The first successful response to ``(user, key)`` is stored with the request's method, path and
hash; the same key with the same request replays it, with anything else it is
``idempotency.conflict`` (409).  Failures are not stored: a request refused for bad input may
be corrected and retried under the same key.

``request_hash`` is the face's business: a SHA-256 over the method, path and canonical body
(``request_fingerprint``).  Never put a password into it — a fast hash of a password would
undo Argon2; registration hashes the rest and checks the password against the account
(``accounts``/the register route).

The record is written after ``produce`` commits (services own their units of work), so a
crash between the two leaves the record created but the key unrecorded; a retry then meets
the service's own uniqueness rule (e.g. ``account.email_taken``), never a silent duplicate
for resources with natural keys.  Two concurrent first requests with one key: the second
writer's insert conflicts and it answers with the first's stored response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xieshang.domain.errors import DomainError
from xieshang.store.models import IdempotencyRecord
from xieshang.store.repositories import ConflictError
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor

UowFactory = Callable[[], UnitOfWork]
JSON = Any


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: JSON
    replayed: bool


def request_fingerprint(method: str, path: str, body: JSON) -> str:
    """SHA-256 over method, path and the body as canonical JSON (sorted keys).

    >>> a = request_fingerprint("POST", "/x", {"b": 1, "a": "二"})
    >>> a == request_fingerprint("post", "/x", {"a": "二", "b": 1}), len(a)
    (True, 64)
    >>> a == request_fingerprint("POST", "/x", {"a": "二", "b": 2})
    False
    """
    canonical = json.dumps(
        [method.upper(), path, body], sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _matching(record: IdempotencyRecord, method: str, path: str, request_hash: str) -> bool:
    return (
        record.method == method.upper()
        and record.path == path
        and record.request_hash == request_hash
    )


def replay_record(
    record: IdempotencyRecord, *, method: str, path: str, request_hash: str
) -> StoredResponse:
    """The stored answer when the request matches the record, else ``idempotency.conflict``."""
    if not _matching(record, method, path, request_hash):
        raise DomainError("idempotency.conflict", field="Idempotency-Key")
    return StoredResponse(record.status_code, json.loads(record.response_body), replayed=True)


def replay(
    uow_factory: UowFactory, user_id: int, key: str, *, method: str, path: str, request_hash: str
) -> StoredResponse | None:
    """The stored answer for ``(user_id, key)``, None if the key is new, or a conflict."""
    with uow_factory() as uow:
        record = uow.idempotency.get(user_id, key)
        return (
            None
            if record is None
            else replay_record(record, method=method, path=path, request_hash=request_hash)
        )


def remember(
    uow_factory: UowFactory,
    user_id: int,
    key: str,
    *,
    method: str,
    path: str,
    request_hash: str,
    status: int,
    body: JSON,
    now: datetime,
) -> StoredResponse:
    """Store the first answer; if another request stored one first, answer with theirs."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    try:
        with uow_factory() as uow:
            uow.idempotency.add(
                IdempotencyRecord(
                    user_id=user_id,
                    key=key,
                    method=method.upper(),
                    path=path,
                    request_hash=request_hash,
                    status_code=status,
                    response_body=text,
                    created_at=now,
                )
            )
            uow.commit()
    except ConflictError:
        earlier = replay(
            uow_factory, user_id, key, method=method, path=path, request_hash=request_hash
        )
        if earlier is not None:
            return earlier
        raise
    return StoredResponse(status, json.loads(text), replayed=False)


def run_idempotent(  # noqa: PLR0917 - the positional order other helpers were promised
    uow_factory: UowFactory,
    actor: Actor,
    key: str | None,
    method: str,
    path: str,
    request_hash: str,
    produce: Callable[[], tuple[int, JSON]],
    *,
    now: datetime,
) -> StoredResponse:
    """``produce()`` once per ``(actor, key)``; without a key, every time."""
    if key is None:
        status, body = produce()
        return StoredResponse(status, body, replayed=False)
    earlier = replay(
        uow_factory, actor.user_id, key, method=method, path=path, request_hash=request_hash
    )
    if earlier is not None:
        return earlier
    status, body = produce()
    return remember(
        uow_factory,
        actor.user_id,
        key,
        method=method,
        path=path,
        request_hash=request_hash,
        status=status,
        body=body,
        now=now,
    )
