"""Instance upkeep a user runs by command: schema version and upgrades."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from xieshang.security.crypto import KeyRing
from xieshang.store.rekey import reencrypt_all
from xieshang.store.schema_version import current_revision, head_revision


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    current: str | None
    head: str
    url: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def schema_status(engine: Engine) -> SchemaStatus:
    """Where the database's schema stands against what this version needs."""
    return SchemaStatus(
        current_revision(engine), head_revision(), engine.url.render_as_string(hide_password=True)
    )


def rotate_encryption_keys(engine: Engine, keyring: KeyRing) -> int:
    """Re-encrypt every sensitive value not yet under the key ring's current key (after a new
    key was put first in ``XIESHANG_SECRET_KEYS``); returns how many values were rewritten.
    Once it reports 0, old keys can be removed from the ring."""
    return reencrypt_all(engine, keyring)
