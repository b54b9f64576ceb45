"""Documents may be statements (账单 / 对账单): ``ck_documents_kind`` allows ``statement``.

The upload checks always offered the kind; 0001's constraint did not, so the service refused
it.  The constraint is dropped and created again under the same name (the naming convention's
``ck_documents_kind``).  Batch mode lets SQLite, which cannot alter a constraint, rebuild the
table with its rows, indexes and foreign keys; PostgreSQL alters it in place.

Downgrade: the older schema has no such kind, so statements become ``other`` first (the file,
its name and its links are kept; only the label is lost).

The lists are spelled out: a migration is frozen in time and must not follow the enum.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_0001 = (
    "kind IN ('contract', 'schedule', 'repayment_record', 'hardship_evidence', 'receipt', 'other')"
)
KINDS_0002 = (
    "kind IN ('contract', 'schedule', 'repayment_record', 'hardship_evidence', 'receipt', "
    "'statement', 'other')"
)


def _replace_kind_check(condition: str) -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint(op.f("ck_documents_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_documents_kind"), condition)


def upgrade() -> None:
    _replace_kind_check(KINDS_0002)


def downgrade() -> None:
    op.execute(sa.text("UPDATE documents SET kind = 'other' WHERE kind = 'statement'"))
    _replace_kind_check(KINDS_0001)
