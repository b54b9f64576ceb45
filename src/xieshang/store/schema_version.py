"""Which migration a database is at, and bringing it to the newest (``xieshang db upgrade``).

The migrations ship inside the package (``store/migrations``), and Alembic is configured in
code, so an installed copy needs no ``alembic.ini`` and no working directory.  The app refuses
to start on a database that is behind (``require_up_to_date``) and says which command to run.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
UPGRADE_COMMAND = "xieshang db upgrade"


class SchemaOutOfDateError(RuntimeError):
    """The database's schema is not the one this version of Xieshang expects."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    return config


def head_revision() -> str:
    """The newest migration this copy of Xieshang ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (``None``: never migrated, e.g. an empty file)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def upgrade_to_head(engine: Engine) -> str:
    """Apply every pending migration in one transaction; returns the new revision."""
    _run(engine, "upgrade", "head")
    return head_revision()


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Undo migrations down to ``revision`` ("base": an empty database)."""
    _run(engine, "downgrade", revision)


def require_up_to_date(engine: Engine) -> None:
    """Refuse to serve a database whose schema is behind (or ahead of) this version."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    if current is None:
        problem = "the database has no Xieshang tables yet"
    elif current in _known_revisions():
        problem = f"the database schema is at {current}, this version needs {head}"
    else:
        raise SchemaOutOfDateError(
            f"the database schema is at {current}, which this version of Xieshang does not "
            f"know (it needs {head}): the database was upgraded by a newer Xieshang; "
            "run that version instead"
        )
    raise SchemaOutOfDateError(f"{problem}: run `{UPGRADE_COMMAND}` first")


def _known_revisions() -> set[str]:
    scripts = ScriptDirectory.from_config(alembic_config())
    return {s.revision for s in scripts.walk_revisions()}


def _run(engine: Engine, action: str, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        if action == "upgrade":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)
