"""Writing to a case's evidence log, and the instance's signed claims about it.

Every service that records something in a case calls :func:`append_event` inside its unit of
work, so the log entry and the row it describes commit together or not at all.  Every
``CHECKPOINT_EVERY`` entries the instance signs a checkpoint of the head on its own; a party
may ask for a receipt at any time (:func:`issue_receipt`).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xieshang.domain.evidence import (
    ChainReport,
    LogEntry,
    Receipt,
    append,
    receipt_for,
    receipt_message,
    verify_chain,
)
from xieshang.store.models import CaseReceiptRow, CaseRow, ReceiptKind
from xieshang.store.repositories import case_log_id
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor

CHECKPOINT_EVERY = 50
Signer = Callable[[bytes], bytes]


def actor_label(actor: Actor, *, for_platform: bool = False) -> str:
    """Who made an entry, as the log records it: role and user id, never a name.

    >>> actor_label(Actor(7, "borrower"), for_platform=True)
    'borrower:7 for platform'
    """
    label = f"{actor.role}:{actor.user_id}"
    return f"{label} for platform" if for_platform else label


INSTANCE = "instance"


def append_event(
    uow: UnitOfWork,
    case: CaseRow,
    *,
    kind: str,
    actor: str,
    body: Mapping[str, Any],
    at: datetime,
    sign: Signer | None = None,
) -> LogEntry:
    """Append one entry after the stored head (inside the caller's unit of work).  With
    ``sign``, every ``CHECKPOINT_EVERY``-th entry also gets a signed checkpoint."""
    head = uow.case_events.head(case.id)
    entry = append(
        head, case_id=case_log_id(case.id), kind=kind, at=at, actor=actor, body=dict(body)
    )
    uow.case_events.append(case.id, entry)
    case.updated_at = at
    if sign is not None and entry.seq % CHECKPOINT_EVERY == 0:
        _store_receipt(
            uow, case.id, receipt_for([entry], at), sign, ReceiptKind.CHECKPOINT, issued_to=None
        )
    return entry


@dataclass(frozen=True, slots=True)
class SignedReceipt:
    receipt: Receipt
    signature: bytes
    kind: str

    def record(self) -> dict[str, Any]:
        r = self.receipt
        return {
            "type": self.kind,
            "case_id": r.case_id,
            "seq": r.seq,
            "head": r.head,
            "at": r.at,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }


def _store_receipt(
    uow: UnitOfWork,
    case_id: int,
    receipt: Receipt,
    sign: Signer,
    kind: ReceiptKind,
    *,
    issued_to: int | None,
) -> SignedReceipt:
    signature = sign(receipt_message(receipt))
    uow.receipts.add(
        CaseReceiptRow(
            case_id=case_id,
            kind=kind.value,
            seq=receipt.seq,
            head=receipt.head,
            at=receipt.at,
            signature=base64.b64encode(signature).decode("ascii"),
            issued_to=issued_to,
        )
    )
    return SignedReceipt(receipt, signature, kind.value)


def issue_receipt(
    uow: UnitOfWork, case: CaseRow, *, sign: Signer, at: datetime, issued_to: int | None
) -> SignedReceipt:
    """A signed receipt of the case log's current head, kept on record (inside the caller's
    unit of work)."""
    entries = uow.case_events.list_for_case(case.id)
    return _store_receipt(
        uow, case.id, receipt_for(entries, at), sign, ReceiptKind.RECEIPT, issued_to=issued_to
    )


def checkpoint(uow: UnitOfWork, case: CaseRow, *, sign: Signer, at: datetime) -> bool:
    """Sign the head unless the last checkpoint already covers it; True if one was made."""
    head = uow.case_events.head(case.id)
    if head is None:
        return False
    done = uow.receipts.list_for_case(case.id, ReceiptKind.CHECKPOINT.value)
    if done and done[-1].seq == head.seq:
        return False
    _store_receipt(
        uow, case.id, receipt_for([head], at), sign, ReceiptKind.CHECKPOINT, issued_to=None
    )
    return True


def stored_receipts(uow: UnitOfWork, case_id: int) -> tuple[SignedReceipt, ...]:
    return tuple(
        SignedReceipt(
            Receipt(case_log_id(row.case_id), row.seq, row.head, row.at),
            base64.b64decode(row.signature),
            row.kind,
        )
        for row in uow.receipts.list_for_case(case_id)
    )


def verify_case_log(uow: UnitOfWork, case_id: int) -> ChainReport:
    return verify_chain(uow.case_events.list_for_case(case_id))
