"""The unit of work: one transaction, the repositories that work inside it, explicit commit.

A service does ``with uow: ...; uow.commit()``.  Leaving the block without ``commit()`` — an
exception, an early return, a forgotten call — rolls everything back, so nothing is ever
half-written.  ``FakeUnitOfWork`` (``fakes``) keeps the same contract in memory for service
unit tests.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .repositories import (
    AgreementRepository,
    AuthSessionRepository,
    CalendarFeedRepository,
    CaseAssignmentRepository,
    CaseEventRepository,
    CaseRepository,
    CollectionContactRepository,
    ConsentRepository,
    DocumentRepository,
    GrantRepository,
    IdempotencyRepository,
    LenderSettingsRepository,
    LetterRepository,
    LoanRepository,
    LoginAttemptRepository,
    OfferRepository,
    OrganisationRepository,
    PaymentRepository,
    ReceiptRepository,
    SignatureRepository,
    StatementRepository,
    UserRepository,
)
from .repositories_sql import (
    SqlAgreementRepository,
    SqlAuthSessionRepository,
    SqlCalendarFeedRepository,
    SqlCaseAssignmentRepository,
    SqlCaseEventRepository,
    SqlCaseRepository,
    SqlCollectionContactRepository,
    SqlConsentRepository,
    SqlDocumentRepository,
    SqlGrantRepository,
    SqlIdempotencyRepository,
    SqlLenderSettingsRepository,
    SqlLetterRepository,
    SqlLoanRepository,
    SqlLoginAttemptRepository,
    SqlOfferRepository,
    SqlOrganisationRepository,
    SqlPaymentRepository,
    SqlReceiptRepository,
    SqlSignatureRepository,
    SqlStatementRepository,
    SqlUserRepository,
    conflicts_translated,
)


class UnitOfWork(Protocol):
    """What a service receives: repositories plus ``commit``/``rollback``."""

    @property
    def users(self) -> UserRepository: ...

    @property
    def organisations(self) -> OrganisationRepository: ...

    @property
    def sessions(self) -> AuthSessionRepository: ...

    @property
    def login_attempts(self) -> LoginAttemptRepository: ...

    @property
    def statements(self) -> StatementRepository: ...

    @property
    def loans(self) -> LoanRepository: ...

    @property
    def documents(self) -> DocumentRepository: ...

    @property
    def grants(self) -> GrantRepository: ...

    @property
    def consents(self) -> ConsentRepository: ...

    @property
    def idempotency(self) -> IdempotencyRepository: ...

    @property
    def cases(self) -> CaseRepository: ...

    @property
    def case_events(self) -> CaseEventRepository: ...

    @property
    def offers(self) -> OfferRepository: ...

    @property
    def agreements(self) -> AgreementRepository: ...

    @property
    def signatures(self) -> SignatureRepository: ...

    @property
    def payments(self) -> PaymentRepository: ...

    @property
    def receipts(self) -> ReceiptRepository: ...

    @property
    def letters(self) -> LetterRepository: ...

    @property
    def collection_contacts(self) -> CollectionContactRepository: ...

    @property
    def lender_settings(self) -> LenderSettingsRepository: ...

    @property
    def calendar_feeds(self) -> CalendarFeedRepository: ...

    @property
    def case_assignments(self) -> CaseAssignmentRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def flush(self) -> None: ...


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose rows stay readable after commit (the faces present them afterwards)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


class SqlUnitOfWork:
    """``SqlUnitOfWork(session_factory)``: a fresh session per ``with`` block."""

    users: SqlUserRepository
    organisations: SqlOrganisationRepository
    sessions: SqlAuthSessionRepository
    login_attempts: SqlLoginAttemptRepository
    statements: SqlStatementRepository
    loans: SqlLoanRepository
    documents: SqlDocumentRepository
    grants: SqlGrantRepository
    consents: SqlConsentRepository
    idempotency: SqlIdempotencyRepository
    cases: SqlCaseRepository
    case_events: SqlCaseEventRepository
    offers: SqlOfferRepository
    agreements: SqlAgreementRepository
    signatures: SqlSignatureRepository
    payments: SqlPaymentRepository
    receipts: SqlReceiptRepository
    letters: SqlLetterRepository
    collection_contacts: SqlCollectionContactRepository
    lender_settings: SqlLenderSettingsRepository
    calendar_feeds: SqlCalendarFeedRepository
    case_assignments: SqlCaseAssignmentRepository

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self.session_factory = session_factory
        self._session: Session | None = None
        self.committed = False

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside a `with` block")
        return self._session

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        session = self.session_factory()
        self._session = session
        self.committed = False
        self.users = SqlUserRepository(session)
        self.organisations = SqlOrganisationRepository(session)
        self.sessions = SqlAuthSessionRepository(session)
        self.login_attempts = SqlLoginAttemptRepository(session)
        self.statements = SqlStatementRepository(session)
        self.loans = SqlLoanRepository(session)
        self.documents = SqlDocumentRepository(session)
        self.grants = SqlGrantRepository(session)
        self.consents = SqlConsentRepository(session)
        self.idempotency = SqlIdempotencyRepository(session)
        self.cases = SqlCaseRepository(session)
        self.case_events = SqlCaseEventRepository(session)
        self.offers = SqlOfferRepository(session)
        self.agreements = SqlAgreementRepository(session)
        self.signatures = SqlSignatureRepository(session)
        self.payments = SqlPaymentRepository(session)
        self.receipts = SqlReceiptRepository(session)
        self.letters = SqlLetterRepository(session)
        self.collection_contacts = SqlCollectionContactRepository(session)
        self.lender_settings = SqlLenderSettingsRepository(session)
        self.calendar_feeds = SqlCalendarFeedRepository(session)
        self.case_assignments = SqlCaseAssignmentRepository(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        try:
            session.rollback()  # a no-op after commit(); discards anything uncommitted
        finally:
            session.close()

    def commit(self) -> None:
        with conflicts_translated():
            self.session.commit()
        self.committed = True

    def rollback(self) -> None:
        self.session.rollback()

    def flush(self) -> None:
        with conflicts_translated():
            self.session.flush()


def sql_unit_of_work_factory(engine: Engine) -> Callable[[], SqlUnitOfWork]:
    """What the composition root hands to services: a new unit of work per call."""
    factory = make_session_factory(engine)
    return lambda: SqlUnitOfWork(factory)
