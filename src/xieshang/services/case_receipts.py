"""The instance's signed claims about case logs, as the faces hand them out.

A **receipt** is what a party takes away: "case C's log had head H at entry n, at time t",
signed with the instance's Ed25519 key.  Kept by the party, it later proves that the log they
are shown still contains what they saw (``domain.evidence.receipt_matches``); kept by the
instance (``case_receipts`` table), it shows who asked for what and when.

A **checkpoint** is the same claim made by the instance on its own.  ``append_event`` makes one
every ``CHECKPOINT_EVERY`` entries; :func:`checkpoint_all` — run daily by ``xieshang case
checkpoint`` — signs the head of every case whose log moved since its last checkpoint, so a
quiet case is never left with an unsigned tail for long.

The JSON form (:func:`receipt_document`) carries everything an offline check needs: the fields,
the exact bytes that were signed, the signature (base64) and the instance's public key (PEM)
with its fingerprint — ``security.signing.public_verifier(pem)(message, signature)``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xieshang.domain.evidence import (
    ChainReport,
    LogEntry,
    canonical_json,
    receipt_message,
    verify_chain,
)
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor
from .case_log import SignedReceipt, Signer, checkpoint, issue_receipt, stored_receipts
from .cases import case_for

UowFactory = Callable[[], UnitOfWork]
PAGE = 200


@dataclass(frozen=True, slots=True)
class CaseLogReport:
    """A case's whole log, its verification and the signed receipts and checkpoints of it."""

    entries: tuple[LogEntry, ...]
    verification: ChainReport
    receipts: tuple[SignedReceipt, ...]


def log_report(uow: UnitOfWork, actor: Actor, case_id: int) -> CaseLogReport:
    """The log as a party to the case sees it, checked entry by entry as it is read."""
    with uow:
        case, _ = case_for(uow, actor, case_id)
        entries = uow.case_events.list_for_case(case.id)
        receipts = stored_receipts(uow, case.id)
    return CaseLogReport(entries, verify_chain(entries), receipts)


def receipt_for_case(
    uow: UnitOfWork, actor: Actor, case_id: int, *, now: datetime, sign: Signer
) -> SignedReceipt:
    """A signed receipt of the case log's head for a party to the case (anyone else: "not
    found"), kept on record with who asked for it."""
    with uow:
        case, _ = case_for(uow, actor, case_id)
        signed = issue_receipt(uow, case, sign=sign, at=now, issued_to=actor.user_id)
        uow.commit()
    return signed


def checkpoint_all(uow_factory: UowFactory, *, now: datetime, sign: Signer) -> int:
    """Sign a checkpoint of every case whose head moved since its last checkpoint; the number
    made.  One transaction per case, so a case written to meanwhile is simply checkpointed
    at the head it had (the next run covers the rest)."""
    made = 0
    offset = 0
    while True:
        with uow_factory() as uow:
            page = uow.cases.list_all(limit=PAGE, offset=offset)
            ids = [case.id for case in page.items]
        for case_id in ids:
            with uow_factory() as uow:
                case = uow.cases.get(case_id)
                if case is not None and checkpoint(uow, case, sign=sign, at=now):
                    uow.commit()
                    made += 1
        if not page.has_more:
            return made
        offset += PAGE


def receipt_document(
    signed: SignedReceipt, *, public_key_pem: str, fingerprint: str
) -> dict[str, Any]:
    """The receipt as a self-contained JSON object: its fields (``at`` exactly as signed), the
    signed message, the base64 signature and the key to check it with (``fingerprint``: the
    instance key's, as ``xieshang keys public`` prints it)."""
    message = receipt_message(signed.receipt)
    record = json.loads(canonical_json(signed.record()))
    return {
        **record,
        "signed_message": message.decode("utf-8"),
        "algorithm": "Ed25519",
        "public_key_pem": public_key_pem,
        "key_fingerprint": fingerprint,
    }


def signature_of(document: dict[str, Any]) -> bytes:
    """The signature bytes of a :func:`receipt_document` (base64 in the JSON)."""
    return base64.b64decode(str(document["signature"]), validate=True)
