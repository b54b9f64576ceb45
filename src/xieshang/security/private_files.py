"""Files that hold secrets (the encryption key ring, the instance's signing key) and durable
writes: created once, atomically, readable by the owner only.

``create_once`` writes to a temporary file, fsyncs it, then *links* it into place: if another
process created the file meanwhile, its content wins and ours is dropped, so two instances
starting together never end up with different keys.  ``too_open`` refuses a secret that others
can read (as ssh does) rather than trusting it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

PRIVATE_MODE = 0o600


def fsync_dir(folder: Path) -> None:
    """Make a link, rename or unlink in ``folder`` durable (POSIX; elsewhere a no-op)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def too_open(path: Path) -> bool:
    """Whether anyone but the owner may read or write ``path`` (POSIX permissions)."""
    return os.name == "posix" and bool(stat.S_IMODE(path.stat().st_mode) & 0o077)


def create_once(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data`` and mode 0600 unless it exists; never replaces a file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.chmod(temp, PRIVATE_MODE)  # whatever the umask did
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # link, not rename: if another process won the race, keep its file, not ours.
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)
        fsync_dir(path.parent)
    finally:
        temp.unlink(missing_ok=True)
