"""SQLAlchemy 2 tables: rows, not domain values (``convert`` turns loans and statements into
the domain's immutable values and back).  Import tables from here: this module loads every
table onto ``Base.metadata`` (what Alembic compares against).

Deletion rules, chosen on purpose:
- what belongs to a user alone (sessions, statement, loans, documents, grants, consents,
  idempotency records) goes with the user (``CASCADE``) — erasing an account erases its data;
- an organisation with staff cannot be deleted (``RESTRICT``): move or disable the staff first;
  a borrower's loan that names a lender organisation keeps the loan when the organisation goes
  (``SET NULL``), as does a document linked to a deleted loan; consents given to a deleted
  organisation go with it;
- child rows of an aggregate (statement items and debts, loan fees, schedule rows) go with their
  parent;
- cases and their evidence log never vanish with a user, an organisation or a loan
  (``RESTRICT``; ``models_cases`` says why), and log rows are append-only (database triggers).
"""

from __future__ import annotations

from .models_accounts import (
    AuthSession,
    Consent,
    CounselorGrant,
    IdempotencyRecord,
    LoginAttempt,
    Organisation,
    User,
    normalise_email,
)
from .models_assignments import CaseAssignmentRow
from .models_base import (
    NAMING_CONVENTION,
    Base,
    ConsentScope,
    DocumentKind,
    OrganisationKind,
    Role,
    SessionKind,
    StatementSection,
    utcnow,
)
from .models_cases import CaseEventRow, CaseLoanRow, CaseRow
from .models_feeds import CalendarFeedRow
from .models_finance import (
    Document,
    LoanFeeRow,
    LoanInstallmentRow,
    LoanRow,
    StatementDebtRow,
    StatementItemRow,
    StatementRow,
)
from .models_negotiation import (
    AgreementRow,
    AgreementStatus,
    CaseLetterRow,
    CaseReceiptRow,
    CollectionContactRow,
    LenderSettingsRow,
    LetterKind,
    OfferRow,
    OfferStatus,
    PaymentChannel,
    PaymentRow,
    ReceiptKind,
    SignatureMethod,
    SignatureRow,
)

metadata = Base.metadata

__all__ = [
    "NAMING_CONVENTION",
    "AgreementRow",
    "AgreementStatus",
    "AuthSession",
    "Base",
    "CalendarFeedRow",
    "CaseAssignmentRow",
    "CaseEventRow",
    "CaseLetterRow",
    "CaseLoanRow",
    "CaseReceiptRow",
    "CaseRow",
    "CollectionContactRow",
    "Consent",
    "ConsentScope",
    "CounselorGrant",
    "Document",
    "DocumentKind",
    "IdempotencyRecord",
    "LenderSettingsRow",
    "LetterKind",
    "LoanFeeRow",
    "LoanInstallmentRow",
    "LoanRow",
    "LoginAttempt",
    "OfferRow",
    "OfferStatus",
    "Organisation",
    "OrganisationKind",
    "PaymentChannel",
    "PaymentRow",
    "ReceiptKind",
    "Role",
    "SessionKind",
    "SignatureMethod",
    "SignatureRow",
    "StatementDebtRow",
    "StatementItemRow",
    "StatementRow",
    "StatementSection",
    "User",
    "metadata",
    "normalise_email",
    "utcnow",
]
