"""The tamper test: single-byte edits of a 203-event bundle are all detected.

What runs here (every position, unless said otherwise):

* truncation at every length, deletion of every byte, insertion of a byte (0x00, and a copy
  of its neighbour) at every position of the whole bundle;
* every byte of the ZIP structures (local headers, central directory, end record) changed two
  ways (XOR 0x01 and XOR 0xFF);
* every byte of ``log.jsonl`` changed (XOR 0x01), each named as exactly the entry holding it;
* a fixed-seed sample of 4,000 other data bytes changed both ways and of 2,000 log bytes
  changed by XOR 0xFF, each named as the member (or entry) it belongs to.

``bench/tamper_sweep.py`` runs every edit at every position of the whole bundle.  The sweeps
share the work between processes; the verifier remembers signature checks it has done
(``memo_verifier_for``), so the sweep measures the bundle checks and not 100,000 identical
Ed25519 verifications.
"""

from __future__ import annotations

import multiprocessing
import os
import random
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from support import evidence_bundle
from support.evidence_bundle import layout, memo_verifier_for, sample_bundle, sweep, sweep_job
from xieshang.documents.bundle import verify_bundle

SEED = 20260302
SAMPLE_OTHER = 4000
SAMPLE_LOG = 2000
WORKERS = max(1, min(4, os.cpu_count() or 1))


@pytest.fixture(scope="module")
def pool() -> Iterator[Executor]:
    # "spawn": the suite's process may hold threads from earlier tests; forking those is unsafe.
    with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn")) as ex:
        yield ex


def run_sweep(
    pool: Executor, edit: str, positions: list[int], *, check_item: bool = False
) -> list[str]:
    """Sweep ``positions`` in chunks over the pool; every problem found, and the count done."""
    chunks = [positions[i :: WORKERS * 4] for i in range(WORKERS * 4)]
    results = list(pool.map(sweep_job, [(edit, c, check_item) for c in chunks if c]))
    assert sum(count for count, _ in results) == len(positions)
    return [problem for _, problems in results for problem in problems]


def test_every_truncation_is_detected(pool: Executor) -> None:
    assert run_sweep(pool, "truncate", list(range(len(sample_bundle())))) == []


@pytest.mark.parametrize("edit", ["delete", "insert 0x00", "insert a copy"])
def test_every_deleted_or_inserted_byte_anywhere_is_detected(pool: Executor, edit: str) -> None:
    size = len(sample_bundle())
    positions = list(range(size if edit == "delete" else size + 1))
    assert run_sweep(pool, edit, positions) == []


@pytest.mark.parametrize("edit", ["xor 0x01", "xor 0xff"])
def test_every_byte_of_the_zip_structures_changed_is_detected(pool: Executor, edit: str) -> None:
    positions = layout(sample_bundle()).structure()
    assert len(positions) > 1000
    assert run_sweep(pool, edit, positions) == []


def test_every_changed_byte_of_the_log_is_named_as_its_own_entry(pool: Executor) -> None:
    start, end = layout(sample_bundle()).data["log.jsonl"]
    assert end - start > 50_000
    assert run_sweep(pool, "xor 0x01", list(range(start, end)), check_item=True) == []


@pytest.mark.parametrize("edit", ["xor 0x01", "xor 0xff"])
def test_a_large_sample_of_other_changed_bytes_is_named_as_its_member(
    pool: Executor, edit: str
) -> None:
    where = layout(sample_bundle())
    others = [
        p
        for name, (start, end) in where.data.items()
        if name != "log.jsonl"
        for p in range(start, end)
    ]
    positions = random.Random(SEED).sample(others, SAMPLE_OTHER)
    if edit == "xor 0xff":
        start, end = where.data["log.jsonl"]
        positions += random.Random(SEED + 1).sample(range(start, end), SAMPLE_LOG)
    assert run_sweep(pool, edit, positions, check_item=True) == []


def test_the_sweep_itself_reports_an_edit_that_goes_unnoticed() -> None:
    # An "edit" of a byte into itself changes nothing: the sweep must call that undetected.
    count, problems = sweep("xor 0x01", [])
    assert (count, problems) == (0, [])
    evidence_bundle.EDITS["no change"] = lambda data, p: data
    try:
        count, problems = sweep("no change", [0, 100])
    finally:
        del evidence_bundle.EDITS["no change"]
    assert count == 2 and len(problems) == 2 and "not detected" in problems[0]


# ---------------------------------------------------------------------------------------------
# any damage at all: several edits at once, or bytes that never were a bundle


@given(
    st.lists(
        st.tuples(st.integers(min_value=0), st.integers(min_value=1, max_value=255)),
        min_size=1,
        max_size=6,
    )
)
def test_several_changed_bytes_at_once_are_detected(changes: list[tuple[int, int]]) -> None:
    data = bytearray(sample_bundle())
    for position, mask in changes:
        data[position % len(data)] ^= mask
    report = verify_bundle(bytes(data), verifier_for=memo_verifier_for)
    assert report.ok == (data == sample_bundle())  # two changes of one byte may cancel out


@given(st.binary(max_size=3000))
def test_bytes_that_never_were_a_bundle_are_reported_never_raised(data: bytes) -> None:
    report = verify_bundle(data, verifier_for=memo_verifier_for)
    assert not report.ok and report.failure is not None
    assert report.failure.code.startswith("bundle.")


@given(st.data())
def test_a_bundle_cut_and_spliced_with_itself_is_detected(data: st.DataObject) -> None:
    bundle = sample_bundle()
    a = data.draw(st.integers(min_value=0, max_value=len(bundle)))
    b = data.draw(st.integers(min_value=a, max_value=len(bundle)))
    c = data.draw(st.integers(min_value=0, max_value=len(bundle)))
    spliced = bundle[:a] + bundle[c : c + (b - a)] + bundle[b:]
    report = verify_bundle(spliced, verifier_for=memo_verifier_for)
    assert report.ok == (spliced == bundle)
