"""Content-addressed blob store: documents kept once, by their SHA-256, and never half-written.

A borrower's evidence must still be exactly what they uploaded when a dispute comes, so the
name of a blob *is* its SHA-256 (``verify`` re-hashes it) and a blob is written in one atomic
step: bytes go to a temporary file in the store's own ``.tmp`` folder (same file system),
are flushed and ``fsync``-ed, then ``os.replace``-d to ``root/ab/cd/<sha256>`` and the folder is
``fsync``-ed too.  A reader sees the whole file or nothing; a crash leaves at most a temporary
file, which ``clean_temp`` removes.  Stored files are read-only (0o440); storing the same bytes
again rewrites nothing.

The database keeps the ``BlobRef`` (digest and size) with the document's type, name and links;
the store knows only bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from xieshang.domain.errors import DomainError
from xieshang.security.private_files import fsync_dir
from xieshang.security.uploads import UploadRejected

_DIGEST = re.compile(r"[0-9a-f]{64}")
_SHARD = re.compile(r"[0-9a-f]{2}")
_READ_ONLY = 0o440
_CHUNK = 1024 * 1024
_TEMP_DIR = ".tmp"


class BlobNotFound(DomainError):  # noqa: N818 — reads as the condition, like FileNotFoundError
    """No blob with this digest is stored (``code`` is ``blob.not_found``)."""

    def __init__(self, sha256: str) -> None:
        super().__init__("blob.not_found", field="sha256", sha256=sha256)


@dataclass(frozen=True, slots=True)
class BlobRef:
    """A stored blob: its SHA-256 (64 lowercase hex digits) and its size in bytes."""

    sha256: str
    size: int


class BlobStore:
    """Blobs under ``root``, sharded ``root/ab/cd/<sha256>``.

    ``fsync=False`` skips the durability syncs (throwaway test instances only).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     store = BlobStore(Path(d))
    ...     ref = store.put(b"abc")
    ...     (ref.sha256[:8], ref.size, store.read(ref.sha256), store.verify(ref.sha256))
    ('ba7816bf', 3, b'abc', True)
    """

    def __init__(self, root: Path, *, fsync: bool = True) -> None:
        self.root = Path(root)
        self._fsync = fsync
        self._tmp = self.root / _TEMP_DIR
        self._tmp.mkdir(mode=0o700, parents=True, exist_ok=True)

    # --- addressing ----------------------------------------------------------------------

    def path_of(self, sha256: str) -> Path:
        """Where the blob lives; anything but 64 lowercase hex digits is refused (no traversal)."""
        if not isinstance(sha256, str) or _DIGEST.fullmatch(sha256) is None:
            raise DomainError("blob.digest_invalid", field="sha256", value=repr(sha256)[:80])
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    # --- writing -------------------------------------------------------------------------

    def put(self, data: bytes) -> BlobRef:
        """Store ``data`` (idempotent: the same bytes give the same ref and one file)."""
        return self.put_stream([data], max_bytes=len(data))

    def put_stream(self, chunks: Iterable[bytes], *, max_bytes: int) -> BlobRef:
        """Store the concatenated chunks, hashing while writing; refuse past ``max_bytes``.

        Raises ``UploadRejected("upload.too_large")`` as soon as the limit is passed.  On any
        error (including one raised by ``chunks``) the temporary file is removed and nothing
        is stored.
        """
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="put-")
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise UploadRejected("upload.too_large", size=size, max_bytes=max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                if self._fsync:
                    os.fsync(out.fileno())
            return self._commit(tmp, BlobRef(digest.hexdigest(), size))
        finally:
            tmp.unlink(missing_ok=True)  # already moved into place on success

    def _commit(self, tmp: Path, ref: BlobRef) -> BlobRef:
        target = self.path_of(ref.sha256)
        try:
            if target.stat().st_size == ref.size:
                return ref  # already stored: no rewrite
            # A stored file of the wrong size is damaged; fall through and replace it.
        except FileNotFoundError:
            pass
        created = self._make_dirs(target.parent)
        os.chmod(tmp, _READ_ONLY)
        os.replace(tmp, target)  # atomic: readers see the old state or the whole new file
        if self._fsync:
            for folder in (target.parent, *created):
                fsync_dir(folder)
        return ref

    def _make_dirs(self, folder: Path) -> list[Path]:
        """Create the shard folders; return the parents whose entries changed (to fsync)."""
        changed: list[Path] = []
        for path in (folder.parent, folder):
            try:
                path.mkdir(mode=0o700)
                changed.append(path.parent)
            except FileExistsError:
                pass
        return changed

    # --- reading -------------------------------------------------------------------------

    def open(self, sha256: str) -> BinaryIO:
        """The blob opened for binary reading (the caller closes it)."""
        try:
            return open(self.path_of(sha256), "rb")
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def read(self, sha256: str) -> bytes:
        with self.open(sha256) as f:
            return f.read()

    def verify(self, sha256: str) -> bool:
        """True when the stored bytes still hash to their name; False if changed or missing."""
        try:
            f = self.open(sha256)
        except BlobNotFound:
            return False
        digest = hashlib.sha256()
        with f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
        return digest.hexdigest() == sha256

    def iter_all(self) -> Iterator[BlobRef]:
        """Every stored blob, in digest order (temporary files and strays are skipped)."""
        for first in sorted(self._subdirs(self.root)):
            for second in sorted(self._subdirs(first)):
                names = sorted(
                    e.name
                    for e in os.scandir(second)
                    if e.is_file(follow_symlinks=False)
                    and _DIGEST.fullmatch(e.name)
                    and e.name[:2] == first.name
                    and e.name[2:4] == second.name
                )
                for name in names:
                    try:
                        yield BlobRef(name, (second / name).stat().st_size)
                    except FileNotFoundError:
                        continue  # deleted while we were listing

    @staticmethod
    def _subdirs(folder: Path) -> list[Path]:
        return [
            Path(e.path)
            for e in os.scandir(folder)
            if e.is_dir(follow_symlinks=False) and _SHARD.fullmatch(e.name)
        ]

    # --- removing ------------------------------------------------------------------------

    def delete(self, sha256: str) -> bool:
        """Remove a blob (privacy deletion); True if it was there.

        Unlinking does not scrub the disk: on journalling or copy-on-write file systems and
        SSDs old blocks may survive; full erasure needs encrypted storage with a discarded key.
        The shard folders stay (a concurrent ``put`` may be about to use them).
        """
        target = self.path_of(sha256)
        try:
            target.unlink()
        except FileNotFoundError:
            return False
        if self._fsync:
            fsync_dir(target.parent)
        return True

    def clean_temp(self, *, older_than_seconds: float = 3600.0) -> int:
        """Remove temporary files a crash left behind; returns how many were removed."""
        cutoff = time.time() - older_than_seconds
        removed = 0
        for entry in os.scandir(self._tmp):
            try:
                if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:
                continue
        return removed
