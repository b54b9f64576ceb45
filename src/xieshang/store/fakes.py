"""In-memory repositories and ``FakeUnitOfWork`` for service unit tests (no database).

The fake keeps the real contract where services could notice the difference: ids are given
on ``add``; column defaults are filled in; the tables' unique constraints and foreign keys
(read from the same metadata the database uses, with their ON DELETE rules) raise the same
``ConflictError`` with the same constraint names; and leaving the ``with`` block without
``commit()`` restores the state of the last commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from sqlalchemy import ForeignKeyConstraint, Table, UniqueConstraint
from sqlalchemy import inspect as sa_inspect

from xieshang.domain.case_state import CaseState
from xieshang.domain.evidence import LogEntry

from .case_log import check_continues, event_entry, event_row
from .models import (
    AgreementRow,
    AgreementStatus,
    AuthSession,
    Base,
    CalendarFeedRow,
    CaseAssignmentRow,
    CaseEventRow,
    CaseLetterRow,
    CaseLoanRow,
    CaseReceiptRow,
    CaseRow,
    CollectionContactRow,
    Consent,
    CounselorGrant,
    Document,
    IdempotencyRecord,
    LenderSettingsRow,
    LoanRow,
    LoginAttempt,
    OfferRow,
    OfferStatus,
    Organisation,
    PaymentRow,
    SignatureRow,
    StatementRow,
    User,
    normalise_email,
)
from .repositories import DEFAULT_PAGE, ConflictError, Page, check_page
from .unit_of_work import SqlUnitOfWork, UnitOfWork

M = TypeVar("M", bound=Base)


class Memory:
    """Every fake table, keyed by table name, rows by id."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[int, Base]] = {}
        self.next_id: dict[str, int] = {}

    def rows(self, table: str) -> dict[int, Base]:
        return self.tables.setdefault(table, {})

    # -- the database's rules ----------------------------------------------------------------

    def insert(self, row: Base) -> None:
        table = _table(row)
        _fill_defaults(row, table)
        self.check(row)
        rows = self.rows(table.name)
        if getattr(row, "id", None) is None:
            self.next_id[table.name] = self.next_id.get(table.name, 0) + 1
            row.id = self.next_id[table.name]  # type: ignore[attr-defined]
        rows[row.id] = row  # type: ignore[attr-defined]

    def check(self, row: Base) -> None:
        table = _table(row)
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint):
                names = [c.name for c in constraint.columns]
                mine = [getattr(row, n) for n in names]
                if None in mine:
                    continue
                for other in self.rows(table.name).values():
                    if other is not row and [getattr(other, n) for n in names] == mine:
                        raise ConflictError("unique", str(constraint.name))
            elif isinstance(constraint, ForeignKeyConstraint):
                value = getattr(row, constraint.columns[0].name)
                target = constraint.referred_table.name
                if value is not None and value not in self.rows(target):
                    raise ConflictError("foreign_key", str(constraint.name))

    def remove(self, row: Base) -> None:
        table = _table(row)
        row_id = row.id  # type: ignore[attr-defined]
        for other_table in Base.metadata.sorted_tables:
            for fk in other_table.foreign_key_constraints:
                if fk.referred_table is not table:
                    continue
                column = fk.columns[0].name
                children = [
                    r for r in self.rows(other_table.name).values() if getattr(r, column) == row_id
                ]
                rule = (fk.ondelete or "NO ACTION").upper()
                for child in children:
                    if rule == "CASCADE":
                        self.remove(child)
                    elif rule == "SET NULL":
                        setattr(child, column, None)
                    else:
                        raise ConflictError("foreign_key", str(fk.name))
        self.rows(table.name).pop(row_id, None)

    # -- transactions ------------------------------------------------------------------------

    def snapshot(self) -> Any:
        return (
            {name: dict(rows) for name, rows in self.tables.items()},
            dict(self.next_id),
            {id(r): _state(r) for rows in self.tables.values() for r in rows.values()},
        )

    def restore(self, snap: Any) -> None:
        tables, next_id, states = snap
        self.tables = {name: dict(rows) for name, rows in tables.items()}
        self.next_id = dict(next_id)
        for rows in self.tables.values():
            for row in rows.values():
                _restore_state(row, states[id(row)])


def _table(row: Base) -> Table:
    return row.__table__  # type: ignore[return-value]


def _fill_defaults(row: Base, table: Table) -> None:
    for column in table.columns:
        if getattr(row, column.key, None) is None and column.default is not None:
            default: Any = column.default
            value = default.arg(None) if default.is_callable else default.arg
            setattr(row, column.key, value)


def _state(row: Base) -> dict[str, Any]:
    """Column values, and child collections with their children's column values."""
    mapper = sa_inspect(type(row))
    state: dict[str, Any] = {a.key: getattr(row, a.key) for a in mapper.column_attrs}
    for rel in mapper.relationships:
        if rel.uselist and "delete-orphan" in str(rel.cascade):
            children = list(getattr(row, rel.key))
            state[rel.key] = [(child, _state(child)) for child in children]
    return state


def _restore_state(row: Base, state: dict[str, Any]) -> None:
    for key, value in state.items():
        if isinstance(value, list) and value and isinstance(value[0], tuple):
            for child, child_state in value:
                _restore_state(child, child_state)
            setattr(row, key, [child for child, _ in value])
        else:
            setattr(row, key, value)


class _FakeTable(Generic[M]):
    model: type[M]

    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def _all(self) -> list[M]:
        rows = self.memory.rows(self.model.__tablename__).values()
        return sorted((r for r in rows if isinstance(r, self.model)), key=lambda r: r.id)  # type: ignore[attr-defined]

    def _where(self, test: Callable[[M], bool]) -> list[M]:
        return [r for r in self._all() if test(r)]

    def add(self, row: M) -> M:
        self.memory.insert(row)
        return row

    def delete(self, row: M) -> None:
        self.memory.remove(row)

    @staticmethod
    def _page(rows: Iterable[M], limit: int, offset: int) -> Page[M]:
        check_page(limit, offset)
        found = list(rows)
        return Page(tuple(found[offset : offset + limit]), len(found), limit, offset)


class _FakeRows(_FakeTable[M]):
    def get(self, id: int) -> M | None:
        row = self.memory.rows(self.model.__tablename__).get(id)
        return row if isinstance(row, self.model) else None


class FakeUserRepository(_FakeRows[User]):
    model = User

    def get_by_email(self, email: str) -> User | None:
        wanted = normalise_email(email)
        return next(iter(self._where(lambda u: u.email == wanted)), None)

    def list(
        self,
        *,
        limit: int = DEFAULT_PAGE,
        offset: int = 0,
        role: str | None = None,
        organisation_id: int | None = None,
    ) -> Page[User]:
        rows = self._where(
            lambda u: (
                (role is None or u.role == role)
                and (organisation_id is None or u.organisation_id == organisation_id)
            )
        )
        return self._page(rows, limit, offset)


class FakeOrganisationRepository(_FakeRows[Organisation]):
    model = Organisation

    def get_by_name(self, name: str) -> Organisation | None:
        return next(iter(self._where(lambda o: o.name == name.strip())), None)

    def list(
        self, *, limit: int = DEFAULT_PAGE, offset: int = 0, kind: str | None = None
    ) -> Page[Organisation]:
        rows = self._where(lambda o: kind is None or o.kind == kind)
        return self._page(rows, limit, offset)


class FakeAuthSessionRepository(_FakeRows[AuthSession]):
    model = AuthSession

    def get_by_token_hash(self, token_hash: str) -> AuthSession | None:
        return next(iter(self._where(lambda s: s.token_hash == token_hash)), None)

    def list_for_user(self, user_id: int) -> Sequence[AuthSession]:
        return tuple(self._where(lambda s: s.user_id == user_id))

    def revoke_all_for_user(self, user_id: int, *, at: datetime, keep_id: int | None = None) -> int:
        rows = self._where(
            lambda s: s.user_id == user_id and s.revoked_at is None and s.id != keep_id
        )
        for s in rows:
            s.revoked_at = at
        return len(rows)

    def delete_expired(self, *, before: datetime) -> int:
        rows = self._where(lambda s: s.expires_at < before)
        for s in rows:
            self.memory.remove(s)
        return len(rows)


class FakeLoginAttemptRepository(_FakeTable[LoginAttempt]):
    model = LoginAttempt

    def failures_since(self, key: str, since: datetime) -> Sequence[datetime]:
        rows = self._where(lambda a: a.key == key and a.at >= since and not a.success)
        return tuple(sorted(a.at for a in rows))

    def prune(self, *, before: datetime) -> int:
        rows = self._where(lambda a: a.at < before)
        for a in rows:
            self.memory.remove(a)
        return len(rows)


class FakeStatementRepository(_FakeRows[StatementRow]):
    model = StatementRow

    def get_for_borrower(self, borrower_id: int) -> StatementRow | None:
        return next(iter(self._where(lambda s: s.borrower_id == borrower_id)), None)


class FakeLoanRepository(_FakeRows[LoanRow]):
    model = LoanRow

    def list_for_borrower(
        self, borrower_id: int, *, limit: int = DEFAULT_PAGE, offset: int = 0
    ) -> Page[LoanRow]:
        return self._page(self._where(lambda r: r.borrower_id == borrower_id), limit, offset)

    def list_for_organisation(
        self, organisation_id: int, *, limit: int = DEFAULT_PAGE, offset: int = 0
    ) -> Page[LoanRow]:
        rows = self._where(lambda r: r.lender_organisation_id == organisation_id)
        return self._page(rows, limit, offset)


class FakeDocumentRepository(_FakeRows[Document]):
    model = Document

    def list_for_owner(
        self,
        owner_id: int,
        *,
        limit: int = DEFAULT_PAGE,
        offset: int = 0,
        loan_id: int | None = None,
    ) -> Page[Document]:
        rows = self._where(
            lambda d: d.owner_id == owner_id and (loan_id is None or d.loan_id == loan_id)
        )
        return self._page(rows, limit, offset)

    def count_with_sha256(self, sha256: str) -> int:
        return len(self._where(lambda d: d.sha256 == sha256))


class FakeGrantRepository(_FakeRows[CounselorGrant]):
    model = CounselorGrant

    def active(self, borrower_id: int, counselor_id: int) -> CounselorGrant | None:
        rows = self._where(
            lambda g: (
                g.borrower_id == borrower_id
                and g.counselor_id == counselor_id
                and g.revoked_at is None
            )
        )
        return next(iter(rows), None)

    def list_for_borrower(
        self, borrower_id: int, *, active_only: bool = True
    ) -> Sequence[CounselorGrant]:
        return tuple(
            self._where(
                lambda g: g.borrower_id == borrower_id and (not active_only or g.revoked_at is None)
            )
        )

    def list_for_counselor(
        self, counselor_id: int, *, limit: int = DEFAULT_PAGE, offset: int = 0
    ) -> Page[CounselorGrant]:
        rows = self._where(lambda g: g.counselor_id == counselor_id and g.revoked_at is None)
        return self._page(rows, limit, offset)


class FakeConsentRepository(_FakeRows[Consent]):
    model = Consent

    def active(self, borrower_id: int, organisation_id: int, scope: str) -> Consent | None:
        rows = self._where(
            lambda c: (
                c.borrower_id == borrower_id
                and c.organisation_id == organisation_id
                and c.scope == scope
                and c.revoked_at is None
            )
        )
        return next(iter(rows), None)

    def list_for_borrower(self, borrower_id: int, *, active_only: bool = True) -> Sequence[Consent]:
        return tuple(
            self._where(
                lambda c: c.borrower_id == borrower_id and (not active_only or c.revoked_at is None)
            )
        )

    def list_for_organisation(
        self,
        organisation_id: int,
        *,
        scope: str | None = None,
        limit: int = DEFAULT_PAGE,
        offset: int = 0,
    ) -> Page[Consent]:
        rows = self._where(
            lambda c: (
                c.organisation_id == organisation_id
                and c.revoked_at is None
                and (scope is None or c.scope == scope)
            )
        )
        return self._page(rows, limit, offset)


class FakeIdempotencyRepository(_FakeTable[IdempotencyRecord]):
    model = IdempotencyRecord

    def get(self, user_id: int, key: str) -> IdempotencyRecord | None:
        return next(iter(self._where(lambda r: r.user_id == user_id and r.key == key)), None)

    def prune(self, *, before: datetime) -> int:
        rows = self._where(lambda r: r.created_at < before)
        for r in rows:
            self.memory.remove(r)
        return len(rows)


class FakeCaseRepository(_FakeRows[CaseRow]):
    model = CaseRow

    def add(self, row: CaseRow) -> CaseRow:
        # The database's ck_cases_one_counterparty (the memory checks no CHECK constraints).
        if (row.lender_organisation_id is None) == (row.external_platform is None):
            raise ConflictError("check", "ck_cases_one_counterparty")
        return super().add(row)

    def list_for_borrower(
        self, borrower_id: int, *, limit: int = DEFAULT_PAGE, offset: int = 0
    ) -> Page[CaseRow]:
        return self._page(self._where(lambda c: c.borrower_id == borrower_id), limit, offset)

    def list_for_organisation(
        self,
        organisation_id: int,
        *,
        borrower_id: int | None = None,
        without_drafts: bool = False,
        limit: int = DEFAULT_PAGE,
        offset: int = 0,
    ) -> Page[CaseRow]:
        rows = self._where(
            lambda c: (
                c.lender_organisation_id == organisation_id
                and (borrower_id is None or c.borrower_id == borrower_id)
                and not (without_drafts and c.state == CaseState.DRAFT.value)
            )
        )
        return self._page(rows, limit, offset)

    def list_all(self, *, limit: int = DEFAULT_PAGE, offset: int = 0) -> Page[CaseRow]:
        return self._page(self._all(), limit, offset)

    def _links(self) -> list[CaseLoanRow]:
        rows = self.memory.rows(CaseLoanRow.__tablename__).values()
        return sorted((r for r in rows if isinstance(r, CaseLoanRow)), key=lambda r: r.id)

    def add_loan(self, case_id: int, loan_id: int) -> None:
        self.memory.insert(CaseLoanRow(case_id=case_id, loan_id=loan_id))

    def loan_ids(self, case_id: int) -> Sequence[int]:
        return tuple(link.loan_id for link in self._links() if link.case_id == case_id)

    def list_for_loan(self, loan_id: int) -> Sequence[CaseRow]:
        ids = {link.case_id for link in self._links() if link.loan_id == loan_id}
        return tuple(self._where(lambda c: c.id in ids))


class FakeCaseEventRepository:
    """Stored rows never leave the repository (callers get frozen ``LogEntry`` values) and
    there is no update or delete; the memory's foreign keys refuse deleting a case with a log.
    """

    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def _rows(self, case_id: int) -> list[CaseEventRow]:
        rows = self.memory.rows(CaseEventRow.__tablename__).values()
        mine = (r for r in rows if isinstance(r, CaseEventRow) and r.case_id == case_id)
        return sorted(mine, key=lambda r: r.seq)

    def append(self, case_id: int, entry: LogEntry) -> LogEntry:
        check_continues(case_id, self.head(case_id), entry)
        self.memory.insert(event_row(case_id, entry))
        return entry

    def list_for_case(self, case_id: int) -> tuple[LogEntry, ...]:
        return tuple(event_entry(row) for row in self._rows(case_id))

    def head(self, case_id: int) -> LogEntry | None:
        rows = self._rows(case_id)
        return event_entry(rows[-1]) if rows else None

    def mention(self, text: str) -> bool:
        rows = self.memory.rows(CaseEventRow.__tablename__).values()
        return any(isinstance(r, CaseEventRow) and text in r.body for r in rows)


class FakeOfferRepository(_FakeRows[OfferRow]):
    model = OfferRow

    def list_for_case(self, case_id: int) -> Sequence[OfferRow]:
        return tuple(sorted(self._where(lambda o: o.case_id == case_id), key=lambda o: o.number))

    def standing(self, case_id: int) -> OfferRow | None:
        open_ = [o for o in self.list_for_case(case_id) if o.status == OfferStatus.OPEN.value]
        return open_[-1] if open_ else None


class FakeAgreementRepository(_FakeRows[AgreementRow]):
    model = AgreementRow

    def list_for_case(self, case_id: int) -> Sequence[AgreementRow]:
        return tuple(self._where(lambda a: a.case_id == case_id))

    def current(self, case_id: int) -> AgreementRow | None:
        live = [a for a in self.list_for_case(case_id) if a.status != AgreementStatus.VOID.value]
        return live[-1] if live else None

    def uses_blob(self, sha256: str) -> bool:
        return bool(self._where(lambda a: sha256 in (a.document_sha256, a.sealed_sha256)))


class FakeSignatureRepository(_FakeTable[SignatureRow]):
    model = SignatureRow

    def list_for_agreement(self, agreement_id: int) -> Sequence[SignatureRow]:
        return tuple(self._where(lambda s: s.agreement_id == agreement_id))


class FakePaymentRepository(_FakeRows[PaymentRow]):
    model = PaymentRow

    def list_for_agreement(self, agreement_id: int) -> Sequence[PaymentRow]:
        return tuple(self._where(lambda p: p.agreement_id == agreement_id))

    def get_by_ref(self, agreement_id: int, external_ref: str) -> PaymentRow | None:
        found = self._where(
            lambda p: p.agreement_id == agreement_id and p.external_ref == external_ref
        )
        return found[0] if found else None


class FakeReceiptRepository(_FakeTable[CaseReceiptRow]):
    model = CaseReceiptRow

    def list_for_case(self, case_id: int, kind: str | None = None) -> Sequence[CaseReceiptRow]:
        return tuple(
            self._where(lambda r: r.case_id == case_id and (kind is None or r.kind == kind))
        )


class FakeLetterRepository(_FakeRows[CaseLetterRow]):
    model = CaseLetterRow

    def get_for(self, case_id: int, kind: str, lang: str) -> CaseLetterRow | None:
        found = self._where(lambda r: (r.case_id, r.kind, r.lang) == (case_id, kind, lang))
        return found[0] if found else None

    def list_for_case(self, case_id: int) -> Sequence[CaseLetterRow]:
        return tuple(self._where(lambda r: r.case_id == case_id))


class FakeCollectionContactRepository(_FakeRows[CollectionContactRow]):
    model = CollectionContactRow

    def list_for_borrower(
        self, borrower_id: int, *, limit: int = DEFAULT_PAGE, offset: int = 0
    ) -> Page[CollectionContactRow]:
        return self._page(self._where(lambda c: c.borrower_id == borrower_id), limit, offset)

    def all_for_borrower(self, borrower_id: int) -> Sequence[CollectionContactRow]:
        mine = self._where(lambda c: c.borrower_id == borrower_id)
        return tuple(sorted(mine, key=lambda c: (c.at, c.id)))


class FakeLenderSettingsRepository(_FakeTable[LenderSettingsRow]):
    model = LenderSettingsRow

    def get(self, organisation_id: int) -> LenderSettingsRow | None:
        found = self._where(lambda r: r.organisation_id == organisation_id)
        return found[0] if found else None


class FakeCaseAssignmentRepository(_FakeRows[CaseAssignmentRow]):
    model = CaseAssignmentRow

    def for_case(self, case_id: int) -> CaseAssignmentRow | None:
        return next(iter(self._where(lambda a: a.case_id == case_id)), None)

    def for_cases(self, case_ids: Sequence[int]) -> dict[int, CaseAssignmentRow]:
        wanted = set(case_ids)
        return {a.case_id: a for a in self._where(lambda a: a.case_id in wanted)}


class FakeCalendarFeedRepository(_FakeRows[CalendarFeedRow]):
    model = CalendarFeedRow

    def get_for_user(self, user_id: int) -> CalendarFeedRow | None:
        return next(iter(self._where(lambda f: f.user_id == user_id)), None)

    def get_by_token_hash(self, token_hash: str) -> CalendarFeedRow | None:
        return next(iter(self._where(lambda f: f.token_hash == token_hash)), None)


class FakeUnitOfWork:
    """The ``UnitOfWork`` contract in memory; reuse one instance across service calls."""

    def __init__(self, memory: Memory | None = None) -> None:
        self.memory = memory or Memory()
        self.users = FakeUserRepository(self.memory)
        self.organisations = FakeOrganisationRepository(self.memory)
        self.sessions = FakeAuthSessionRepository(self.memory)
        self.login_attempts = FakeLoginAttemptRepository(self.memory)
        self.statements = FakeStatementRepository(self.memory)
        self.loans = FakeLoanRepository(self.memory)
        self.documents = FakeDocumentRepository(self.memory)
        self.grants = FakeGrantRepository(self.memory)
        self.consents = FakeConsentRepository(self.memory)
        self.idempotency = FakeIdempotencyRepository(self.memory)
        self.cases = FakeCaseRepository(self.memory)
        self.case_events = FakeCaseEventRepository(self.memory)
        self.offers = FakeOfferRepository(self.memory)
        self.agreements = FakeAgreementRepository(self.memory)
        self.signatures = FakeSignatureRepository(self.memory)
        self.payments = FakePaymentRepository(self.memory)
        self.receipts = FakeReceiptRepository(self.memory)
        self.letters = FakeLetterRepository(self.memory)
        self.collection_contacts = FakeCollectionContactRepository(self.memory)
        self.lender_settings = FakeLenderSettingsRepository(self.memory)
        self.calendar_feeds = FakeCalendarFeedRepository(self.memory)
        self.case_assignments = FakeCaseAssignmentRepository(self.memory)
        self.committed = False
        self.commits = 0
        self._committed_state = self.memory.snapshot()

    def __enter__(self) -> Self:
        self.committed = False
        self._committed_state = self.memory.snapshot()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self.flush()
        self._committed_state = self.memory.snapshot()
        self.committed = True
        self.commits += 1

    def rollback(self) -> None:
        self.memory.restore(self._committed_state)

    def flush(self) -> None:
        """Re-check every row's constraints (a service may have changed a unique field)."""
        for rows in self.memory.tables.values():
            for row in rows.values():
                self.memory.check(row)


def _conforms(fake: FakeUnitOfWork, sql: SqlUnitOfWork) -> tuple[UnitOfWork, UnitOfWork]:
    """Checked by mypy: both units of work keep the one contract services are written to."""
    return fake, sql
