"""What services may ask of the store: one repository per aggregate, as Protocols.

Two implementations keep the same contract: ``repositories_sql`` (SQLAlchemy, used by
``SqlUnitOfWork``) and ``fakes`` (in memory, used by ``FakeUnitOfWork`` in service unit tests).
Repositories hand out table rows (``models``); loans and statements become domain values through
``convert``.  ``add`` gives the row its id at once; unique and foreign-key violations surface as
``ConflictError`` (from ``add``, ``flush`` or ``commit``), never as a driver exception.

Lists that can grow with use are paged (``limit``/``offset`` → ``Page`` with the ``total``),
ordered by id so pages are stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Literal, Protocol, TypeVar

from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import LogEntry

from .models import (
    AgreementRow,
    AuthSession,
    CalendarFeedRow,
    CaseAssignmentRow,
    CaseLetterRow,
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
    Organisation,
    PaymentRow,
    SignatureRow,
    StatementRow,
    User,
)

T = TypeVar("T")
MAX_PAGE = 500
DEFAULT_PAGE = 50

ConflictKind = Literal["unique", "foreign_key", "check", "not_null", "other"]


def case_log_id(case_id: int) -> str:
    """The ``case_id`` a case's log entries carry (and hash): the decimal text of ``cases.id``.

    >>> case_log_id(42)
    '42'
    """
    return str(case_id)


class ConflictError(Exception):
    """A write the database's constraints refuse; ``constraint`` is the constraint's name by
    the naming convention (e.g. ``uq_users_email``) when it could be told."""

    def __init__(self, kind: ConflictKind, constraint: str | None = None) -> None:
        self.kind, self.constraint = kind, constraint
        super().__init__(f"{kind} constraint violated" + (f": {constraint}" if constraint else ""))


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list, with the size of the whole list."""

    items: tuple[T, ...]
    total: int
    limit: int
    offset: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total


def check_page(limit: int, offset: int) -> None:
    """Refuse a page request the store will not serve.

    >>> check_page(50, 0)
    >>> check_page(0, 0)
    Traceback (most recent call last):
    ...
    xieshang.domain.errors.DomainError: page.limit_out_of_range [limit]: value=0, maximum=500
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise DomainError("page.limit_out_of_range", field="limit", value=limit, maximum=MAX_PAGE)
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise DomainError("page.offset_negative", field="offset", value=offset)


class Rows(Protocol[T]):
    def get(self, id: int) -> T | None: ...

    def add(self, row: T) -> T: ...

    def delete(self, row: T) -> None: ...


class UserRepository(Rows[User], Protocol):
    def get_by_email(self, email: str) -> User | None: ...

    def list(
        self,
        *,
        limit: int = DEFAULT_PAGE,
        offset: int = 0,
        role: str | None = None,
        organisation_id: int | None = None,
    ) -> Page[User]: ...


class OrganisationRepository(Rows[Organisation], Protocol):
    def get_by_name(self, name: str) -> Organisation | None: ...

    def list(
        self, *, limit: int = DEFAULT_PAGE, offset: int = 0, kind: str | None = None
    ) -> Page[Organisation]: ...


class AuthSessionRepository(Rows[AuthSession], Protocol):
    def get_by_token_hash(self, token_hash: str) -> AuthSession | None: ...

    def list_for_user(self, user_id: int) -> Sequence[AuthSession]: ...

    def revoke_all_for_user(
        self, user_id: int, *, at: datetime, keep_id: int | None = None
    ) -> int: ...

    def delete_expired(self, *, before: datetime) -> int: ...


class LoginAttemptRepository(Protocol):
    def add(self, row: LoginAttempt) -> LoginAttempt: ...

    def failures_since(self, key: str, since: datetime) -> Sequence[datetime]: ...

    def prune(self, *, before: datetime) -> int: ...


class StatementRepository(Protocol):
    def get_for_borrower(self, borrower_id: int) -> StatementRow | None: ...

    def add(self, row: StatementRow) -> StatementRow: ...

    def delete(self, row: StatementRow) -> None: ...


class LoanRepository(Rows[LoanRow], Protocol):
    def list_for_borrower(
        self, borrower_id: int, *, limit: int = DEFAULT_PAGE, offset: int = 0
    ) -> Page[LoanRow]: ...

    def list_for_organisation(
        self, organisation_id: int, *, limit: int = DEFAULT_PAGE, offset: int = 0
    ) -> Page[LoanRow]: ...


class DocumentRepository(Rows[Document], Protocol):
    def list_for_owner(
        self,
        owner_id: int,
        *,
        limit: int = DEFAULT_PAGE,
        offset: int = 0,
        loan_id: int | None = None,
    ) -> Page[Document]: ...

    def count_with_sha256(self, sha256: str) -> int:
        """How many documents (of anyone) point at this blob: 0 → the blob may be removed."""
        ...


class GrantRepository(Rows[CounselorGrant], Protocol):
    def active(self, borrower_id: int, counselor_id: int) -> CounselorGrant | None: ...

    def list_for_borrower(
        self, borrower_id: int, *, active_only: bool = True
    ) -> Sequence[CounselorGrant]: ...

    def list_for_counselor(
        self, counselor_id: int, *, limit: int = DEFAULT_PAGE, offset: int = 0
    ) -> Page[CounselorGrant]:
        """The counselor's active grants (their borrowers)."""
        ...


class ConsentRepository(Rows[Consent], Protocol):
    def active(self, borrower_id: int, organisation_id: int, scope: str) -> Consent | None: ...

    def list_for_borrower(
        self, borrower_id: int, *, active_only: bool = True
    ) -> Sequence[Consent]: ...

    def list_for_organisation(
        self,
        organisation_id: int,
        *,
        scope: str | None = None,
        limit: int = DEFAULT_PAGE,
        offset: int = 0,
    ) -> Page[Consent]:
        """Active consents given to the organisation (its agents' case list)."""
        ...


class IdempotencyRepository(Protocol):
    def get(self, user_id: int, key: str) -> IdempotencyRecord | None: ...

    def add(self, row: IdempotencyRecord) -> IdempotencyRecord: ...

    def prune(self, *, before: datetime) -> int: ...


class CaseRepository(Rows[CaseRow], Protocol):
    """Cases and the loans they cover.  A case can be deleted only while its log is empty."""

    def list_for_borrower(
        self, borrower_id: int, *, limit: int = DEFAULT_PAGE, offset: int = 0
    ) -> Page[CaseRow]: ...

    def list_for_organisation(
        self,
        organisation_id: int,
        *,
        borrower_id: int | None = None,
        without_drafts: bool = False,
        limit: int = DEFAULT_PAGE,
        offset: int = 0,
    ) -> Page[CaseRow]:
        """The organisation's cases (of one borrower; without the drafts its staff cannot see
        yet, so that the page and its total agree with what they are shown)."""
        ...

    def list_all(self, *, limit: int = DEFAULT_PAGE, offset: int = 0) -> Page[CaseRow]:
        """Every case on the instance, by id (the periodic checkpoint walks them)."""
        ...

    def add_loan(self, case_id: int, loan_id: int) -> None:
        """Link a loan to the case (``ConflictError`` ``uq_case_loans_case_id_loan_id`` twice)."""
        ...

    def loan_ids(self, case_id: int) -> Sequence[int]:
        """The case's loans, in the order they were linked."""
        ...

    def list_for_loan(self, loan_id: int) -> Sequence[CaseRow]:
        """Every case (open or not) that covers the loan, oldest first."""
        ...


class CaseEventRepository(Protocol):
    """A case's append-only evidence log: entries go in and come out as immutable ``LogEntry``
    values; there is no update or delete (and the database refuses both)."""

    def append(self, case_id: int, entry: LogEntry) -> LogEntry:
        """Store the entry that follows the case's head.

        ``entry.case_id`` must be ``case_log_id(case_id)`` (``ValueError`` otherwise: a
        programming error).  An entry that does not continue the stored head (wrong ``seq`` or
        ``prev_hash``: built on a stale head) raises ``ConflictError("other",
        "case_events_chain")``; two transactions appending the same ``seq`` at once end in
        ``ConflictError("unique", "uq_case_events_case_id_seq")`` for the later one.
        """
        ...

    def list_for_case(self, case_id: int) -> tuple[LogEntry, ...]:
        """The whole log in ``seq`` order (``verify_chain`` checks it)."""
        ...

    def head(self, case_id: int) -> LogEntry | None:
        """The last entry, or ``None`` for an empty log."""
        ...

    def mention(self, text: str) -> bool:
        """Whether any log entry's body contains ``text`` (e.g. a blob's digest, so evidence
        the log names is never removed with an upload of the same bytes)."""
        ...


class OfferRepository(Rows[OfferRow], Protocol):
    def list_for_case(self, case_id: int) -> Sequence[OfferRow]:
        """Every offer of the case, by number."""
        ...

    def standing(self, case_id: int) -> OfferRow | None:
        """The open offer awaiting a reply, if any."""
        ...


class AgreementRepository(Rows[AgreementRow], Protocol):
    def list_for_case(self, case_id: int) -> Sequence[AgreementRow]: ...

    def uses_blob(self, sha256: str) -> bool:
        """Whether an agreement's document or sealed PDF is this blob."""
        ...

    def current(self, case_id: int) -> AgreementRow | None:
        """The case's latest agreement that is not void."""
        ...


class SignatureRepository(Protocol):
    def add(self, row: SignatureRow) -> SignatureRow: ...

    def list_for_agreement(self, agreement_id: int) -> Sequence[SignatureRow]: ...


class PaymentRepository(Rows[PaymentRow], Protocol):
    def list_for_agreement(self, agreement_id: int) -> Sequence[PaymentRow]:
        """Payments in the order they were recorded."""
        ...

    def get_by_ref(self, agreement_id: int, external_ref: str) -> PaymentRow | None: ...


class ReceiptRepository(Protocol):
    def add(self, row: CaseReceiptRow) -> CaseReceiptRow: ...

    def list_for_case(self, case_id: int, kind: str | None = None) -> Sequence[CaseReceiptRow]: ...


class LetterRepository(Rows[CaseLetterRow], Protocol):
    def get_for(self, case_id: int, kind: str, lang: str) -> CaseLetterRow | None: ...

    def list_for_case(self, case_id: int) -> Sequence[CaseLetterRow]: ...


class CollectionContactRepository(Rows[CollectionContactRow], Protocol):
    def list_for_borrower(
        self, borrower_id: int, *, limit: int = DEFAULT_PAGE, offset: int = 0
    ) -> Page[CollectionContactRow]:
        """The borrower's records in the order they were recorded (by id)."""
        ...

    def all_for_borrower(self, borrower_id: int) -> Sequence[CollectionContactRow]: ...


class LenderSettingsRepository(Protocol):
    def get(self, organisation_id: int) -> LenderSettingsRow | None: ...

    def add(self, row: LenderSettingsRow) -> LenderSettingsRow: ...


class CaseAssignmentRepository(Rows[CaseAssignmentRow], Protocol):
    def for_case(self, case_id: int) -> CaseAssignmentRow | None: ...

    def for_cases(self, case_ids: Sequence[int]) -> dict[int, CaseAssignmentRow]:
        """The assignments of these cases, by case id (cases without one are left out)."""
        ...


class CalendarFeedRepository(Rows[CalendarFeedRow], Protocol):
    def get_for_user(self, user_id: int) -> CalendarFeedRow | None: ...

    def get_by_token_hash(self, token_hash: str) -> CalendarFeedRow | None: ...
