"""The composition root: settings → key ring → engine → unit-of-work factory → blob store.

``serve``, the CLI and the tests all build the same ``Container`` here; nothing else creates an
engine (never at import time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from xieshang.security.crypto import KeyRing, KeyRingError, load_or_create_key_spec
from xieshang.security.passwords import DEFAULT_PASSWORD_POLICY, PasswordPolicy
from xieshang.security.signing import InstanceKey, SigningKeyError, load_or_create_instance_key
from xieshang.settings import Settings, SettingsError
from xieshang.store.blobs import BlobStore
from xieshang.store.engine import DurabilityError, check_durability, create_engine_for
from xieshang.store.schema_version import (
    SchemaOutOfDateError,
    require_up_to_date,
    upgrade_to_head,
)
from xieshang.store.types import install_cipher
from xieshang.store.unit_of_work import UnitOfWork, sql_unit_of_work_factory

# Problems with an instance's setup that a user fixes by a command or a setting (the CLI says
# which, in one line): schema behind, unsafe durability, bad settings, unreadable key file.
SETUP_ERRORS: tuple[type[BaseException], ...] = (
    SchemaOutOfDateError,
    DurabilityError,
    SettingsError,
    KeyRingError,
    SigningKeyError,
    PermissionError,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    """Everything a service needs from the outside world, built once per process."""

    settings: Settings
    engine: Engine
    keyring: KeyRing
    uow: Callable[[], UnitOfWork]
    blobs: BlobStore
    instance_key: InstanceKey
    password_policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY
    clock: Callable[[], datetime] = field(default=utcnow)

    def close(self) -> None:
        self.engine.dispose()


def build_container(
    settings: Settings | None = None,
    *,
    migrate: bool = False,
    password_policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
    clock: Callable[[], datetime] = utcnow,
) -> Container:
    """Build the container.  ``migrate=True`` brings the database to the latest schema first
    (``xieshang db upgrade``, the demo, tests); otherwise a database that is behind is refused
    with a message naming the command to run."""
    settings = settings or Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    keyring = KeyRing.parse(load_or_create_key_spec(settings))
    instance_key = load_or_create_instance_key(settings)  # signs receipts and checkpoints
    engine = create_engine_for(settings)
    install_cipher(engine, keyring)
    check_durability(engine, throwaway=settings.throwaway)
    if migrate:
        upgrade_to_head(engine)
    else:
        require_up_to_date(engine)
    blobs = BlobStore(settings.effective_blob_dir, fsync=not settings.throwaway)
    return Container(
        settings=settings,
        engine=engine,
        keyring=keyring,
        uow=sql_unit_of_work_factory(engine),
        blobs=blobs,
        instance_key=instance_key,
        password_policy=password_policy,
        clock=clock,
    )
