"""Who at the lender works a case: one assignee per case, set by the organisation's staff.

Kept beside the case rather than in its log: the log is shared evidence between the borrower
and the lender, while who handles the file inside the lender is the lender's own business.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from .models_base import Base, utcnow
from .types import UTCDateTime


class CaseAssignmentRow(Base):
    __tablename__ = "case_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    assignee_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
