"""The content-addressed blob store: round trips, dedupe, atomicity, limits and refusals."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xieshang.domain.errors import DomainError
from xieshang.security.uploads import UploadRejected
from xieshang.store.blobs import BlobNotFound, BlobRef, BlobStore


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


def test_put_then_read_round_trips_and_names_the_blob_by_its_sha256(store):
    data = "借款合同 第一条".encode() * 100
    ref = store.put(data)
    assert ref == BlobRef(hashlib.sha256(data).hexdigest(), len(data))
    assert store.read(ref.sha256) == data
    with store.open(ref.sha256) as f:
        assert f.read() == data
    assert store.exists(ref.sha256)
    assert store.verify(ref.sha256)


def test_blobs_are_sharded_by_the_first_two_byte_pairs_of_the_digest(store):
    ref = store.put(b"abc")
    assert ref.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert store.path_of(ref.sha256) == store.root / "ba" / "78" / ref.sha256
    assert store.path_of(ref.sha256).is_file()


def test_identical_content_is_stored_once_and_not_rewritten(store):
    first = store.put(b"same bytes")
    path = store.path_of(first.sha256)
    before = path.stat()
    time.sleep(0.01)
    second = store.put_stream([b"same ", b"bytes"], max_bytes=100)
    after = path.stat()
    assert first == second
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
    assert files_under(store.root) == [path]


def test_stored_files_are_read_only_for_everyone(store):
    ref = store.put(b"evidence")
    mode = stat.S_IMODE(store.path_of(ref.sha256).stat().st_mode)
    assert mode == 0o440


def test_streamed_and_whole_puts_agree(store):
    chunks = [os.urandom(1000) for _ in range(7)]
    streamed = store.put_stream(iter(chunks), max_bytes=7000)
    assert streamed == BlobRef(hashlib.sha256(b"".join(chunks)).hexdigest(), 7000)
    assert store.put(b"".join(chunks)) == streamed


def test_an_empty_blob_can_be_stored(store):
    ref = store.put(b"")
    assert ref == BlobRef(hashlib.sha256(b"").hexdigest(), 0)
    assert store.read(ref.sha256) == b""


def test_concurrent_puts_of_the_same_content_are_safe(store):
    data = os.urandom(512 * 1024)
    barrier = threading.Barrier(16)

    def put(_: int) -> BlobRef:
        barrier.wait()
        return store.put_stream(
            (data[i : i + 65536] for i in range(0, len(data), 65536)), max_bytes=len(data)
        )

    with ThreadPoolExecutor(16) as pool:
        refs = set(pool.map(put, range(16)))
    assert len(refs) == 1
    (ref,) = refs
    assert files_under(store.root) == [store.path_of(ref.sha256)]
    assert store.verify(ref.sha256)


def test_concurrent_puts_of_different_content_all_land(store):
    payloads = [f"document {i}".encode() * 50 for i in range(40)]
    with ThreadPoolExecutor(8) as pool:
        refs = list(pool.map(store.put, payloads))
    assert sorted(r.sha256 for r in store.iter_all()) == sorted(r.sha256 for r in refs)
    assert all(store.read(r.sha256) == p for r, p in zip(refs, payloads, strict=True))


def test_a_crash_mid_write_leaves_no_partial_file_visible(store):
    class CrashError(Exception):
        pass

    def chunks() -> Iterator[bytes]:
        yield b"first half of a contract "
        raise CrashError

    with pytest.raises(CrashError):
        store.put_stream(chunks(), max_bytes=10_000)
    assert files_under(store.root) == []
    assert list(store.iter_all()) == []


def test_an_oversize_stream_is_refused_and_nothing_is_left(store):
    consumed = []

    def chunks() -> Iterator[bytes]:
        for i in range(100):
            consumed.append(i)
            yield b"x" * 1000

    with pytest.raises(UploadRejected) as info:
        store.put_stream(chunks(), max_bytes=4500)
    assert info.value.code == "upload.too_large"
    assert info.value.status == 413
    assert info.value.params["max_bytes"] == 4500
    assert len(consumed) == 5  # stops reading as soon as the limit is passed
    assert files_under(store.root) == []


def test_a_stream_of_exactly_the_limit_is_accepted(store):
    ref = store.put_stream([b"x" * 10, b"y" * 10], max_bytes=20)
    assert ref.size == 20


@pytest.mark.parametrize(
    "digest",
    [
        "../../etc/passwd",
        "..",
        "/etc/passwd",
        "",
        "ab/cd",
        "A" * 64,
        "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
        "0" * 63,
        "0" * 65,
        "0" * 64 + "\n",
        "0" * 62 + "/.",
        "g" * 64,
        "０" * 64,  # full-width digits are digits to str.isdigit, not to us
    ],
)
def test_traversal_looking_or_malformed_digests_are_refused(store, digest):
    for method in (store.path_of, store.exists, store.read, store.verify, store.delete):
        with pytest.raises(DomainError) as info:
            method(digest)
        assert info.value.code == "blob.digest_invalid"


def test_a_digest_that_is_not_a_string_is_refused(store):
    with pytest.raises(DomainError):
        store.path_of(b"0" * 64)  # type: ignore[arg-type]


def test_reading_a_missing_blob_says_not_found(store):
    missing = "0" * 64
    assert not store.exists(missing)
    assert not store.verify(missing)
    with pytest.raises(BlobNotFound) as info:
        store.read(missing)
    assert info.value.code == "blob.not_found"


def test_verify_detects_a_corrupted_file(store):
    ref = store.put(b"the agreed schedule: 12 x 1000.00")
    path = store.path_of(ref.sha256)
    os.chmod(path, 0o640)
    path.write_bytes(b"the agreed schedule: 12 x 9000.00")  # same size, other bytes
    assert not store.verify(ref.sha256)
    assert store.verify(store.put(b"untouched").sha256)


def test_a_truncated_blob_is_replaced_when_the_content_is_stored_again(store):
    data = b"hardship letter " * 64
    ref = store.put(data)
    path = store.path_of(ref.sha256)
    os.chmod(path, 0o640)
    path.write_bytes(data[:10])
    assert not store.verify(ref.sha256)
    assert store.put(data) == ref
    assert store.verify(ref.sha256)
    assert stat.S_IMODE(path.stat().st_mode) == 0o440


def test_delete_removes_the_blob_and_is_idempotent(store):
    keep = store.put(b"keep")
    gone = store.put(b"gone")
    assert store.delete(gone.sha256) is True
    assert store.delete(gone.sha256) is False
    assert not store.exists(gone.sha256)
    assert list(store.iter_all()) == [keep]
    assert store.put(b"gone") == gone  # the shard folders still work after a delete


def test_iter_all_lists_every_blob_in_digest_order_and_skips_strays(store):
    refs = [store.put(f"receipt {i}".encode()) for i in range(20)]
    (store.root / "ab").mkdir(exist_ok=True)
    (store.root / "ab" / "stray.txt").write_text("not a blob")
    (store.root / "zz").mkdir()
    misplaced = store.root / "ab" / "cd"
    misplaced.mkdir(exist_ok=True)
    (misplaced / ("ef" + "0" * 62)).write_bytes(b"in the wrong shard")
    listed = list(store.iter_all())
    assert listed == sorted(refs, key=lambda r: r.sha256)


def test_clean_temp_removes_only_old_leftovers(store):
    tmp = store.root / ".tmp"
    old = tmp / "put-old"
    fresh = tmp / "put-fresh"
    old.write_bytes(b"half")
    fresh.write_bytes(b"in progress")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert store.clean_temp(older_than_seconds=3600) == 1
    assert not old.exists()
    assert fresh.exists()


def test_a_store_reopened_on_the_same_folder_sees_the_same_blobs(tmp_path):
    ref = BlobStore(tmp_path / "b").put(b"persisted")
    again = BlobStore(tmp_path / "b", fsync=False)
    assert again.read(ref.sha256) == b"persisted"
    assert list(again.iter_all()) == [ref]


@given(st.lists(st.binary(max_size=300), max_size=6))
def test_any_chunking_stores_the_bytes_under_their_sha256(tmp_path_factory, chunks):
    store = BlobStore(tmp_path_factory.mktemp("prop"), fsync=False)
    whole = b"".join(chunks)
    ref = store.put_stream(chunks, max_bytes=len(whole))
    assert ref == BlobRef(hashlib.sha256(whole).hexdigest(), len(whole))
    assert store.read(ref.sha256) == whole
