"""Instance upkeep a user runs by command: schema version and upgrades."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

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
