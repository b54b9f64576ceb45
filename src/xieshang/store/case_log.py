"""Log entries ⇄ ``case_events`` rows, and the check that an entry continues the stored head.

Shared by the SQL and the in-memory repositories so both keep one contract.  The row's ``body``
is the canonical JSON of the entry's body; reading it back gives the same entry (same hash).
"""

from __future__ import annotations

import json

from xieshang.domain.evidence import GENESIS, LogEntry, canonical_json

from .models import CaseEventRow
from .repositories import ConflictError, case_log_id

CHAIN_CONFLICT = "case_events_chain"


def check_continues(case_id: int, head: LogEntry | None, entry: LogEntry) -> None:
    """Refuse an entry of another case, or one that does not follow ``head``.

    >>> from datetime import UTC, datetime
    >>> from xieshang.domain.evidence import append
    >>> e1 = append(None, case_id="7", kind="message", at=datetime(2026, 3, 1, tzinfo=UTC),
    ...             actor="u1", body={})
    >>> check_continues(7, None, e1)
    >>> check_continues(7, e1, e1)
    Traceback (most recent call last):
    ...
    xieshang.store.repositories.ConflictError: other constraint violated: case_events_chain
    """
    if entry.case_id != case_log_id(case_id):
        raise ValueError(f"entry of case {entry.case_id!r} appended to case {case_id}")
    seq, prev = (1, GENESIS) if head is None else (head.seq + 1, head.hash)
    if entry.seq != seq or entry.prev_hash != prev:
        raise ConflictError("other", CHAIN_CONFLICT)


def event_row(case_id: int, entry: LogEntry) -> CaseEventRow:
    return CaseEventRow(
        case_id=case_id,
        seq=entry.seq,
        kind=entry.kind,
        at=entry.at,
        actor=entry.actor,
        body=canonical_json(entry.body).decode("utf-8"),
        prev_hash=entry.prev_hash,
        hash=entry.hash,
    )


def event_entry(row: CaseEventRow) -> LogEntry:
    return LogEntry(
        seq=row.seq,
        case_id=case_log_id(row.case_id),
        kind=row.kind,
        at=row.at,
        actor=row.actor,
        body=json.loads(row.body),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )
