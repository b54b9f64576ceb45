"""One typed Settings object, read from the environment once at the composition root.

Every knob has a safe default so that ``xieshang`` works on a laptop with nothing configured:
SQLite and blobs under the user's data folder, a secret key ring generated on first use in a
file only the owner can read.  A hosted instance sets ``XIESHANG_DATABASE_URL`` (PostgreSQL),
``XIESHANG_SECRET_KEYS`` and the rest.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

MIB = 1024 * 1024


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "xieshang"


@dataclass(frozen=True, slots=True)
class Settings:
    """Instance settings.  Build with ``Settings.from_env()`` (or directly in tests)."""

    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str = ""  # "" → SQLite file in data_dir
    blob_dir: Path | None = None  # None → data_dir / "blobs"
    # Key ring for encryption at rest: "id:base64url-32-bytes" entries, comma-separated; the
    # first is used to encrypt, all to decrypt (rotation).  "" → a key file in data_dir.
    secret_keys: str = ""
    max_upload_bytes: int = 10 * MIB
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    login_max_failures: int = 5
    login_window_minutes: int = 15
    cookie_secure: bool = True
    throwaway: bool = False  # a test instance: durability checks may be relaxed

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "xieshang.sqlite3"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path}"

    @property
    def effective_blob_dir(self) -> Path:
        return self.blob_dir or (self.data_dir / "blobs")

    @property
    def key_file(self) -> Path:
        return self.data_dir / "secret-keys"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        e = os.environ if env is None else env

        def number(name: str, default: int) -> int:
            raw = e.get(name)
            if raw is None or not raw.strip():
                return default
            try:
                value = int(raw)
            except ValueError:
                raise SettingsError(name, raw) from None
            if value <= 0:
                raise SettingsError(name, raw)
            return value

        def flag(name: str, default: bool) -> bool:
            raw = e.get(name)
            if raw is None or not raw.strip():
                return default
            lowered = raw.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise SettingsError(name, raw)

        data_dir = (
            Path(e["XIESHANG_DATA_DIR"]) if e.get("XIESHANG_DATA_DIR") else default_data_dir()
        )
        blob_dir = Path(e["XIESHANG_BLOB_DIR"]) if e.get("XIESHANG_BLOB_DIR") else None
        return cls(
            data_dir=data_dir,
            database_url=e.get("XIESHANG_DATABASE_URL", "").strip(),
            blob_dir=blob_dir,
            secret_keys=e.get("XIESHANG_SECRET_KEYS", "").strip(),
            max_upload_bytes=number("XIESHANG_MAX_UPLOAD_BYTES", 10 * MIB),
            session_idle_minutes=number("XIESHANG_SESSION_IDLE_MINUTES", 30),
            session_absolute_hours=number("XIESHANG_SESSION_ABSOLUTE_HOURS", 12),
            login_max_failures=number("XIESHANG_LOGIN_MAX_FAILURES", 5),
            login_window_minutes=number("XIESHANG_LOGIN_WINDOW_MINUTES", 15),
            cookie_secure=flag("XIESHANG_COOKIE_SECURE", True),
            throwaway=flag("XIESHANG_THROWAWAY", False),
        )


class SettingsError(ValueError):
    """An environment variable holds a value the instance cannot use."""

    def __init__(self, name: str, value: str) -> None:
        self.name, self.value = name, value
        super().__init__(f"{name}={value!r} is not a valid setting")
