"""Key rotation at rest: re-encrypt every ``EncryptedText`` value under the current key.

After a new key is put first in ``XIESHANG_SECRET_KEYS`` (the old one kept after it), new
writes use the new key at once; ``reencrypt_all`` rewrites the old ciphertexts so that the old
key can later be removed.  Tokens are read and written as raw text (they never pass through
plaintext in SQL), in one transaction; running it again finds nothing to do.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Engine, Text, select, text, type_coerce

from .models import metadata
from .types import EncryptedText


class RotatingCipher(Protocol):
    def needs_rotation(self, token: str) -> bool: ...

    def rotate(self, token: str, *, context: bytes) -> str: ...


def encrypted_columns() -> list[tuple[str, str, EncryptedText]]:
    """(table, column, type) for every encrypted column of the schema."""
    return [
        (table.name, column.name, column.type)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    ]


def reencrypt_all(engine: Engine, cipher: RotatingCipher) -> int:
    """Rewrite every token not under the cipher's current key; returns how many changed."""
    changed = 0
    with engine.begin() as conn:
        for table_name, column_name, kind in encrypted_columns():
            table = metadata.tables[table_name]
            column = table.c[column_name]
            rows = conn.execute(
                select(table.c.id, type_coerce(column, Text())).where(column.is_not(None))
            ).all()
            update = text(f"UPDATE {table_name} SET {column_name} = :token WHERE id = :id")
            for row_id, token in rows:
                if cipher.needs_rotation(token):
                    fresh = cipher.rotate(token, context=kind.context_bytes)
                    conn.execute(update, {"token": fresh, "id": row_id})
                    changed += 1
    return changed
