"""The calendar feed: one secret address per user for calendar apps, which cannot send a
session header.  Only the SHA-256 of the token is kept (as for sessions); asking for a new one
replaces the row, so the old address stops working at once, and deleting it revokes it.  The
row goes with the user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .models_base import Base, utcnow
from .types import UTCDateTime


class CalendarFeedRow(Base):
    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
