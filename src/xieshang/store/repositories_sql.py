"""The repositories of ``repositories`` over a SQLAlchemy session."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

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
from .repositories import DEFAULT_PAGE, ConflictError, ConflictKind, Page, check_page

M = TypeVar("M", bound=Base)

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)$", re.MULTILINE)
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (\w+)")


def unique_constraint_named(table: str, columns: Sequence[str]) -> str | None:
    """The metadata's name for the unique constraint on ``table(columns)``."""
    found = Base.metadata.tables.get(table)
    if found is None:
        return None
    for constraint in found.constraints:
        names = [c.name for c in getattr(constraint, "columns", ())]
        if (
            constraint.name
            and names == list(columns)
            and constraint.__visit_name__
            in (
                "unique_constraint",
                "primary_key_constraint",
            )
        ):
            return str(constraint.name)
    return None


def conflict_from(error: IntegrityError) -> ConflictError:
    """A driver's integrity error as a ``ConflictError`` naming the constraint."""
    orig = error.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:  # psycopg: SQLSTATE and the constraint name
        kinds: dict[str, ConflictKind] = {
            "23505": "unique",
            "23503": "foreign_key",
            "23514": "check",
            "23502": "not_null",
        }
        state = getattr(orig, "sqlstate", None) or ""
        return ConflictError(kinds.get(state, "other"), getattr(diag, "constraint_name", None))
    message = str(orig)
    if m := _SQLITE_UNIQUE.search(message):
        pairs = [part.strip().split(".", 1) for part in m.group(1).split(",")]
        table = pairs[0][0]
        return ConflictError("unique", unique_constraint_named(table, [p[-1] for p in pairs]))
    if m := _SQLITE_CHECK.search(message):
        return ConflictError("check", m.group(1))
    if "FOREIGN KEY" in message:
        return ConflictError("foreign_key")
    if "NOT NULL" in message:
        return ConflictError("not_null")
    return ConflictError("other")


@contextmanager
def conflicts_translated() -> Iterator[None]:
    try:
        yield
    except IntegrityError as error:
        raise conflict_from(error) from error


class _Table(Generic[M]):
    model: type[M]

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: M) -> M:
        self.session.add(row)
        self._flush()
        return row

    def delete(self, row: M) -> None:
        self.session.delete(row)
        self._flush()

    def _flush(self) -> None:
        with conflicts_translated():
            self.session.flush()

    def _page(self, query: Select[M], limit: int, offset: int) -> Page[M]:
        check_page(limit, offset)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        items = self.session.scalars(query.order_by(self._id()).limit(limit).offset(offset))
        return Page(tuple(items), int(total), limit, offset)

    def _id(self) -> Any:
        return self.model.__table__.c.id


class _Rows(_Table[M]):
    def get(self, id: int) -> M | None:
        return self.session.get(self.model, id)


class SqlUserRepository(_Rows[User]):
    model = User

    def get_by_email(self, email: str) -> User | None:
        return self.session.scalar(select(User).where(User.email == normalise_email(email)))

    def list(
        self,
        *,
        limit: int = DEFAULT_PAGE,
        offset: int = 0,
        role: str | None = None,
        organisation_id: int | None = None,
    ) -> Page[User]:
        query = select(User)
        if role is not None:
            query = query.where(User.role == role)
        if organisation_id is not None:
            query = query.where(User.organisation_id == organisation_id)
        return self._page(query, limit, offset)


class SqlOrganisationRepository(_Rows[Organisation]):
    model = Organisation

    def get_by_name(self, name: str) -> Organisation | None:
        return self.session.scalar(select(Organisation).where(Organisation.name == name.strip()))

    def list(
        self, *, limit: int = DEFAULT_PAGE, offset: int = 0, kind: str | None = None
    ) -> Page[Organisation]:
        query = select(Organisation)
        if kind is not None:
            query = query.where(Organisation.kind == kind)
        return self._page(query, limit, offset)


class SqlAuthSessionRepository(_Rows[AuthSession]):
    model = AuthSession

    def get_by_token_hash(self, token_hash: str) -> AuthSession | None:
        return self.session.scalar(select(AuthSession).where(AuthSession.token_hash == token_hash))

    def list_for_user(self, user_id: int) -> Sequence[AuthSession]:
        query = select(AuthSession).where(AuthSession.user_id == user_id)
        return tuple(self.session.scalars(query.order_by(AuthSession.id)))

    def revoke_all_for_user(self, user_id: int, *, at: datetime, keep_id: int | None = None) -> int:
        conditions: list[ColumnElement[bool]] = [
            AuthSession.user_id == user_id,
            AuthSession.revoked_at.is_(None),
        ]
        if keep_id is not None:
            conditions.append(AuthSession.id != keep_id)
        result = self.session.execute(
            update(AuthSession)
            .where(*conditions)
            .values(revoked_at=at)
            .execution_options(synchronize_session="fetch")
        )
        return int(getattr(result, "rowcount", 0))

    def delete_expired(self, *, before: datetime) -> int:
        result = self.session.execute(
            delete(AuthSession)
            .where(AuthSession.expires_at < before)
            .execution_options(synchronize_session="fetch")
        )
        return int(getattr(result, "rowcount", 0))


class SqlLoginAttemptRepository(_Table[LoginAttempt]):
    model = LoginAttempt

    def failures_since(self, key: str, since: datetime) -> Sequence[datetime]:
        query = (
            select(LoginAttempt.at)
            .where(LoginAttempt.key == key, LoginAttempt.at >= since, ~LoginAttempt.success)
            .order_by(LoginAttempt.at)
        )
        return tuple(self.session.scalars(query))

    def prune(self, *, before: datetime) -> int:
        result = self.session.execute(
            delete(LoginAttempt)
            .where(LoginAttempt.at < before)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0))


class SqlStatementRepository(_Rows[StatementRow]):
    model = StatementRow

    def get_for_borrower(self, borrower_id: int) -> StatementRow | None:
        query = select(StatementRow).where(StatementRow.borrower_id == borrower_id)
        return self.session.scalar(query)


class SqlLoanRepository(_Rows[LoanRow]):
    model = LoanRow

    def list_for_borrower(
        self, borrower_id: int, *, limit: int = DEFAULT_PAGE, offset: int = 0
    ) -> Page[LoanRow]:
        return self._page(select(LoanRow).where(LoanRow.borrower_id == borrower_id), limit, offset)

    def list_for_organisation(
        self, organisation_id: int, *, limit: int = DEFAULT_PAGE, offset: int = 0
    ) -> Page[LoanRow]:
        query = select(LoanRow).where(LoanRow.lender_organisation_id == organisation_id)
        return self._page(query, limit, offset)


class SqlDocumentRepository(_Rows[Document]):
    model = Document

    def list_for_owner(
        self,
        owner_id: int,
        *,
        limit: int = DEFAULT_PAGE,
        offset: int = 0,
        loan_id: int | None = None,
    ) -> Page[Document]:
        query = select(Document).where(Document.owner_id == owner_id)
        if loan_id is not None:
            query = query.where(Document.loan_id == loan_id)
        return self._page(query, limit, offset)

    def count_with_sha256(self, sha256: str) -> int:
        query = select(func.count()).select_from(Document).where(Document.sha256 == sha256)
        return int(self.session.scalar(query) or 0)


class SqlGrantRepository(_Rows[CounselorGrant]):
    model = CounselorGrant

    def active(self, borrower_id: int, counselor_id: int) -> CounselorGrant | None:
        query = select(CounselorGrant).where(
            CounselorGrant.borrower_id == borrower_id,
            CounselorGrant.counselor_id == counselor_id,
            CounselorGrant.revoked_at.is_(None),
        )
        return self.session.scalars(query.order_by(CounselorGrant.id)).first()

    def list_for_borrower(
        self, borrower_id: int, *, active_only: bool = True
    ) -> Sequence[CounselorGrant]:
        query = select(CounselorGrant).where(CounselorGrant.borrower_id == borrower_id)
        if active_only:
            query = query.where(CounselorGrant.revoked_at.is_(None))
        return tuple(self.session.scalars(query.order_by(CounselorGrant.id)))

    def list_for_counselor(
        self, counselor_id: int, *, limit: int = DEFAULT_PAGE, offset: int = 0
    ) -> Page[CounselorGrant]:
        query = select(CounselorGrant).where(
            CounselorGrant.counselor_id == counselor_id, CounselorGrant.revoked_at.is_(None)
        )
        return self._page(query, limit, offset)


class SqlConsentRepository(_Rows[Consent]):
    model = Consent

    def active(self, borrower_id: int, organisation_id: int, scope: str) -> Consent | None:
        query = select(Consent).where(
            Consent.borrower_id == borrower_id,
            Consent.organisation_id == organisation_id,
            Consent.scope == scope,
            Consent.revoked_at.is_(None),
        )
        return self.session.scalars(query.order_by(Consent.id)).first()

    def list_for_borrower(self, borrower_id: int, *, active_only: bool = True) -> Sequence[Consent]:
        query = select(Consent).where(Consent.borrower_id == borrower_id)
        if active_only:
            query = query.where(Consent.revoked_at.is_(None))
        return tuple(self.session.scalars(query.order_by(Consent.id)))

    def list_for_organisation(
        self,
        organisation_id: int,
        *,
        scope: str | None = None,
        limit: int = DEFAULT_PAGE,
        offset: int = 0,
    ) -> Page[Consent]:
        query = select(Consent).where(
            Consent.organisation_id == organisation_id, Consent.revoked_at.is_(None)
        )
        if scope is not None:
            query = query.where(Consent.scope == scope)
        return self._page(query, limit, offset)


class SqlIdempotencyRepository(_Table[IdempotencyRecord]):
    model = IdempotencyRecord

    def get(self, user_id: int, key: str) -> IdempotencyRecord | None:
        query = select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
        )
        return self.session.scalar(query)

    def prune(self, *, before: datetime) -> int:
        result = self.session.execute(
            delete(IdempotencyRecord)
            .where(IdempotencyRecord.created_at < before)
            .execution_options(synchronize_session="fetch")
        )
        return int(getattr(result, "rowcount", 0))


class SqlCaseRepository(_Rows[CaseRow]):
    model = CaseRow

    def list_for_borrower(
        self, borrower_id: int, *, limit: int = DEFAULT_PAGE, offset: int = 0
    ) -> Page[CaseRow]:
        return self._page(select(CaseRow).where(CaseRow.borrower_id == borrower_id), limit, offset)

    def list_for_organisation(
        self,
        organisation_id: int,
        *,
        borrower_id: int | None = None,
        without_drafts: bool = False,
        limit: int = DEFAULT_PAGE,
        offset: int = 0,
    ) -> Page[CaseRow]:
        query = select(CaseRow).where(CaseRow.lender_organisation_id == organisation_id)
        if borrower_id is not None:
            query = query.where(CaseRow.borrower_id == borrower_id)
        if without_drafts:
            query = query.where(CaseRow.state != CaseState.DRAFT.value)
        return self._page(query, limit, offset)

    def list_all(self, *, limit: int = DEFAULT_PAGE, offset: int = 0) -> Page[CaseRow]:
        return self._page(select(CaseRow), limit, offset)

    def add_loan(self, case_id: int, loan_id: int) -> None:
        self.session.add(CaseLoanRow(case_id=case_id, loan_id=loan_id))
        self._flush()

    def loan_ids(self, case_id: int) -> Sequence[int]:
        query = select(CaseLoanRow.loan_id).where(CaseLoanRow.case_id == case_id)
        return tuple(self.session.scalars(query.order_by(CaseLoanRow.id)))

    def list_for_loan(self, loan_id: int) -> Sequence[CaseRow]:
        query = (
            select(CaseRow)
            .join(CaseLoanRow, CaseLoanRow.case_id == CaseRow.id)
            .where(CaseLoanRow.loan_id == loan_id)
        )
        return tuple(self.session.scalars(query.order_by(CaseRow.id)))


class SqlCaseEventRepository:
    """Rows are written and read, never handed out: callers only ever see ``LogEntry``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def append(self, case_id: int, entry: LogEntry) -> LogEntry:
        check_continues(case_id, self.head(case_id), entry)
        row = event_row(case_id, entry)
        self.session.add(row)
        with conflicts_translated():
            self.session.flush()
        self.session.expunge(row)  # no later flush can ever issue an UPDATE for it
        return entry

    def list_for_case(self, case_id: int) -> tuple[LogEntry, ...]:
        query = select(CaseEventRow).where(CaseEventRow.case_id == case_id)
        rows = self.session.scalars(query.order_by(CaseEventRow.seq))
        return tuple(event_entry(row) for row in rows)

    def head(self, case_id: int) -> LogEntry | None:
        query = (
            select(CaseEventRow)
            .where(CaseEventRow.case_id == case_id)
            .order_by(CaseEventRow.seq.desc())
            .limit(1)
        )
        row = self.session.scalar(query)
        return None if row is None else event_entry(row)

    def mention(self, text: str) -> bool:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = select(CaseEventRow.id).where(CaseEventRow.body.like(pattern, escape="\\"))
        return self.session.scalar(query.limit(1)) is not None


class _SqlWriteOnce(_Table[Any]):
    def add(self, row: Any) -> Any:
        super().add(row)
        self.session.expunge(row)
        return row


class SqlOfferRepository(_Rows[OfferRow]):
    model = OfferRow

    def list_for_case(self, case_id: int) -> Sequence[OfferRow]:
        query = select(OfferRow).where(OfferRow.case_id == case_id).order_by(OfferRow.number)
        return tuple(self.session.scalars(query))

    def standing(self, case_id: int) -> OfferRow | None:
        query = select(OfferRow).where(
            OfferRow.case_id == case_id, OfferRow.status == OfferStatus.OPEN.value
        )
        return self.session.scalar(query.order_by(OfferRow.number.desc()).limit(1))


class SqlAgreementRepository(_Rows[AgreementRow]):
    model = AgreementRow

    def list_for_case(self, case_id: int) -> Sequence[AgreementRow]:
        query = select(AgreementRow).where(AgreementRow.case_id == case_id)
        return tuple(self.session.scalars(query.order_by(AgreementRow.id)))

    def current(self, case_id: int) -> AgreementRow | None:
        query = select(AgreementRow).where(
            AgreementRow.case_id == case_id,
            AgreementRow.status != AgreementStatus.VOID.value,
        )
        return self.session.scalar(query.order_by(AgreementRow.id.desc()).limit(1))

    def uses_blob(self, sha256: str) -> bool:
        query = select(AgreementRow.id).where(
            (AgreementRow.document_sha256 == sha256) | (AgreementRow.sealed_sha256 == sha256)
        )
        return self.session.scalar(query.limit(1)) is not None


class SqlSignatureRepository(_SqlWriteOnce):
    model = SignatureRow

    def list_for_agreement(self, agreement_id: int) -> Sequence[SignatureRow]:
        query = select(SignatureRow).where(SignatureRow.agreement_id == agreement_id)
        return tuple(self.session.scalars(query.order_by(SignatureRow.id)))


class SqlPaymentRepository(_Rows[PaymentRow]):
    model = PaymentRow

    def add(self, row: PaymentRow) -> PaymentRow:
        super().add(row)
        self.session.expunge(row)
        return row

    def list_for_agreement(self, agreement_id: int) -> Sequence[PaymentRow]:
        query = select(PaymentRow).where(PaymentRow.agreement_id == agreement_id)
        return tuple(self.session.scalars(query.order_by(PaymentRow.id)))

    def get_by_ref(self, agreement_id: int, external_ref: str) -> PaymentRow | None:
        query = select(PaymentRow).where(
            PaymentRow.agreement_id == agreement_id, PaymentRow.external_ref == external_ref
        )
        return self.session.scalar(query)


class SqlReceiptRepository(_SqlWriteOnce):
    model = CaseReceiptRow

    def list_for_case(self, case_id: int, kind: str | None = None) -> Sequence[CaseReceiptRow]:
        query = select(CaseReceiptRow).where(CaseReceiptRow.case_id == case_id)
        if kind is not None:
            query = query.where(CaseReceiptRow.kind == kind)
        return tuple(self.session.scalars(query.order_by(CaseReceiptRow.id)))


class SqlLetterRepository(_Rows[CaseLetterRow]):
    model = CaseLetterRow

    def get_for(self, case_id: int, kind: str, lang: str) -> CaseLetterRow | None:
        query = select(CaseLetterRow).where(
            CaseLetterRow.case_id == case_id,
            CaseLetterRow.kind == kind,
            CaseLetterRow.lang == lang,
        )
        return self.session.scalar(query)

    def list_for_case(self, case_id: int) -> Sequence[CaseLetterRow]:
        query = select(CaseLetterRow).where(CaseLetterRow.case_id == case_id)
        return tuple(self.session.scalars(query.order_by(CaseLetterRow.id)))


class SqlCollectionContactRepository(_Rows[CollectionContactRow]):
    model = CollectionContactRow

    def _mine(self, borrower_id: int) -> Any:
        return select(CollectionContactRow).where(CollectionContactRow.borrower_id == borrower_id)

    def list_for_borrower(
        self, borrower_id: int, *, limit: int = DEFAULT_PAGE, offset: int = 0
    ) -> Page[CollectionContactRow]:
        return self._page(self._mine(borrower_id), limit, offset)

    def all_for_borrower(self, borrower_id: int) -> Sequence[CollectionContactRow]:
        query = self._mine(borrower_id).order_by(CollectionContactRow.at, CollectionContactRow.id)
        return tuple(self.session.scalars(query))


class SqlLenderSettingsRepository(_Table[LenderSettingsRow]):
    model = LenderSettingsRow

    def get(self, organisation_id: int) -> LenderSettingsRow | None:
        return self.session.get(LenderSettingsRow, organisation_id)


class SqlCaseAssignmentRepository(_Rows[CaseAssignmentRow]):
    model = CaseAssignmentRow

    def for_case(self, case_id: int) -> CaseAssignmentRow | None:
        return self.session.scalar(
            select(CaseAssignmentRow).where(CaseAssignmentRow.case_id == case_id)
        )

    def for_cases(self, case_ids: Sequence[int]) -> dict[int, CaseAssignmentRow]:
        if not case_ids:
            return {}
        query = select(CaseAssignmentRow).where(CaseAssignmentRow.case_id.in_(list(case_ids)))
        return {row.case_id: row for row in self.session.scalars(query)}


class SqlCalendarFeedRepository(_Rows[CalendarFeedRow]):
    model = CalendarFeedRow

    def get_for_user(self, user_id: int) -> CalendarFeedRow | None:
        return self.session.scalar(
            select(CalendarFeedRow).where(CalendarFeedRow.user_id == user_id)
        )

    def get_by_token_hash(self, token_hash: str) -> CalendarFeedRow | None:
        query = select(CalendarFeedRow).where(CalendarFeedRow.token_hash == token_hash)
        return self.session.scalar(query)
