"""Entry-level and member-level edits of a bundle: removed, reordered, inserted or duplicated
log lines, members removed, reordered or added, records changed — each detected and named,
both when the manifest is left as signed and when a forger holding the instance key signs a
new one (then the chain, the receipts and the checkpoints must catch it)."""

from __future__ import annotations

import base64
import io
import json
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import replace

import pytest

from support.evidence_bundle import (
    EVENTS,
    KEY,
    OTHER_KEY,
    lines_edit,
    members,
    resigned,
    sample_bundle,
    sample_content,
    with_member,
)
from xieshang.documents import canonical_zip
from xieshang.documents.bundle import BundleReport, build_bundle, verify_bundle
from xieshang.documents.bundle_format import receipt_record
from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import (
    append,
    canonical_json,
    parse_log,
    receipt_message,
    serialise_entry,
    serialise_log,
)
from xieshang.security.signing import public_verifier

LineEdit = Callable[[list[bytes]], list[bytes]]


def check(bundle: bytes) -> BundleReport:
    return verify_bundle(bundle, verifier_for=public_verifier, public_key_pem=KEY.public_key_pem())


def delete(k: int) -> LineEdit:
    return lambda lines: lines[: k - 1] + lines[k:]


def swap(k: int) -> LineEdit:
    return lambda lines: [*lines[: k - 1], lines[k], lines[k - 1], *lines[k + 1 :]]


def duplicate(k: int) -> LineEdit:
    return lambda lines: [*lines[:k], lines[k - 1], *lines[k:]]


def insert_forged(k: int) -> LineEdit:
    """A well-formed new entry, chained to entry k-1, put before entry k."""

    def edit(lines: list[bytes]) -> list[bytes]:
        entries = parse_log(b"".join(lines))
        previous = entries[k - 2] if k > 1 else None
        forged = append(
            previous,
            case_id=entries[0].case_id,
            kind="message",
            at=entries[k - 1].at,
            actor="borrower:7",
            body={"text": "平台同意全额减免"},
        )
        return [*lines[: k - 1], serialise_entry(forged), *lines[k - 1 :]]

    return edit


# (edit, the entry it must be named at)
LINE_EDITS = [
    (delete(1), 1),
    (delete(117), 117),
    (swap(1), 1),
    (swap(150), 150),
    (swap(EVENTS - 1), EVENTS - 1),
    (duplicate(1), 2),
    (duplicate(88), 89),
    (duplicate(EVENTS), EVENTS + 1),
    (insert_forged(1), 2),
    (insert_forged(60), 61),
]


@pytest.mark.parametrize("resign", [False, True], ids=["as signed", "re-signed"])
@pytest.mark.parametrize(("edit", "entry"), LINE_EDITS)
def test_a_removed_reordered_inserted_or_duplicated_log_line_is_named(
    edit: LineEdit, entry: int, resign: bool
) -> None:
    key = KEY if resign else None
    bundle = with_member(sample_bundle(), "log.jsonl", lines_edit(edit), resign=key)
    report = check(bundle)
    assert not report.ok and report.failure is not None
    assert report.failure.item == f"log.jsonl entry {entry}"
    assert report.failure.code == "bundle.log_entry_invalid"


@pytest.mark.parametrize("resign", [False, True], ids=["as signed", "re-signed"])
def test_dropping_the_last_entries_is_a_log_that_ends_before_its_head(resign: bool) -> None:
    edit = lines_edit(lambda lines: lines[:-3])
    bundle = with_member(sample_bundle(), "log.jsonl", edit, resign=KEY if resign else None)
    failure = check(bundle).failure
    assert failure is not None and failure.item == "log.jsonl"
    assert failure.code == "bundle.log_head_mismatch"


def test_a_shortened_log_with_a_new_head_in_the_manifest_is_caught_by_the_receipt() -> None:
    files = members(sample_bundle())
    entries = parse_log(files["log.jsonl"])[:-3]
    files["log.jsonl"] = serialise_log(entries)
    bundle = resigned(files, KEY, head=entries[-1].hash, events=len(entries))
    failure = check(bundle).failure
    assert failure is not None and failure.item == "receipts.jsonl line 1"
    assert failure.code == "bundle.receipt_not_in_log"


def test_a_rewritten_and_rechained_history_is_caught_by_the_next_checkpoint() -> None:
    files = members(sample_bundle())
    entries = list(parse_log(files["log.jsonl"]))
    head = entries[118]
    for i in range(119, len(entries)):  # rewrite entry 120 on, chaining properly
        e = entries[i]
        body = {"text": "改写"} if i == 119 else dict(e.body)
        head = append(head, case_id=e.case_id, kind=e.kind, at=e.at, actor=e.actor, body=body)
        entries[i] = head
    files["log.jsonl"] = serialise_log(entries)
    files["payments.jsonl"] = b""  # the old payment events are gone from the log
    bundle = resigned(files, KEY, head=head.hash)
    failure = check(bundle).failure
    assert failure is not None and failure.item == "checkpoints.jsonl line 3"  # seq 150
    assert failure.code == "bundle.receipt_not_in_log"


def test_a_bundle_re_signed_with_another_key_fails_against_the_instance_key() -> None:
    edit = lines_edit(lambda lines: lines)
    bundle = with_member(sample_bundle(), "log.jsonl", edit, resign=OTHER_KEY)
    failure = check(bundle).failure
    assert failure is not None and failure.code == "bundle.signature_mismatch"
    # ...and the receipts inside still name the instance key: checked alone, they fail too.
    assert verify_bundle(bundle, verifier_for=public_verifier).failure is not None


# ---------------------------------------------------------------------------------------------
# records


def test_a_receipt_whose_signature_was_replaced_is_named() -> None:
    def edit(lines: list[bytes]) -> list[bytes]:
        return [lines[0].replace(b'"signature":"', b'"signature":"AAAA')]

    bundle = with_member(sample_bundle(), "receipts.jsonl", lines_edit(edit), resign=KEY)
    failure = check(bundle).failure
    assert failure is not None and failure.item == "receipts.jsonl line 1"
    assert failure.code in ("bundle.receipt_signature", "bundle.line_invalid")


def test_a_checkpoint_signed_by_another_key_is_named() -> None:
    receipt, _ = sample_content().checkpoints[1]
    signature = OTHER_KEY.sign(receipt_message(receipt))
    line = canonical_json(receipt_record(receipt, signature)) + b"\n"
    edit = lines_edit(lambda lines: [lines[0], line, *lines[2:]])
    bundle = with_member(sample_bundle(), "checkpoints.jsonl", edit, resign=KEY)
    failure = check(bundle).failure
    assert failure is not None and failure.item == "checkpoints.jsonl line 2"
    assert failure.code == "bundle.receipt_signature"


def with_field(line: bytes, **fields: str) -> bytes:
    """A JSON line with fields added, still in canonical form."""
    return canonical_json({**json.loads(line), **fields}) + b"\n"


@pytest.mark.parametrize(
    ("edit", "line", "code"),
    [
        (
            lambda ls: [ls[0].replace(b'"1250.00"', b'"125.00"'), *ls[1:]],
            1,
            "bundle.payment_differs",
        ),
        (lambda ls: [*ls, ls[3]], 16, "bundle.payment_duplicate"),
        (lambda ls: [ls[0][:-1] + b" \n", *ls[1:]], 1, "bundle.line_invalid"),
        (
            lambda ls: [ls[0].replace(b'"event_hash":"', b'"event_hash":"f'), *ls[1:]],
            1,
            "bundle.payment_not_in_log",
        ),
        (lambda ls: [ls[0], with_field(ls[1], note="x"), *ls[2:]], 2, "bundle.payment_differs"),
    ],
)
def test_a_payment_record_that_does_not_match_the_log_is_named(
    edit: LineEdit, line: int, code: str
) -> None:
    bundle = with_member(sample_bundle(), "payments.jsonl", lines_edit(edit), resign=KEY)
    failure = check(bundle).failure
    assert failure is not None
    assert (failure.item, failure.code) == (f"payments.jsonl line {line}", code)


# ---------------------------------------------------------------------------------------------
# members


@pytest.mark.parametrize("name", sorted(members(sample_bundle())))
def test_a_removed_member_is_named(name: str) -> None:
    files = members(sample_bundle())
    del files[name]
    failure = check(canonical_zip.write_zip(files.items())).failure
    assert failure is not None and failure.member == name
    assert failure.code == "bundle.member_missing"


def test_an_added_member_is_named_as_unlisted() -> None:
    files = members(sample_bundle())
    files["documents/03-extra.txt"] = b"added later"
    failure = check(canonical_zip.write_zip(files.items())).failure
    assert failure is not None and (failure.member, failure.code) == (
        "documents/03-extra.txt",
        "bundle.member_unlisted",
    )


def in_order(files: list[tuple[str, bytes]]) -> bytes:
    """A ZIP with the canonical headers but the members in the order given."""
    parts, directory, offset = [], [], 0
    for name, data in files:
        raw, crc = name.encode(), zlib.crc32(data)
        header = canonical_zip._local_header(raw, crc, len(data))
        directory.append(canonical_zip._central_entry(raw, crc, len(data), offset))
        parts += [header, data]
        offset += len(header) + len(data)
    central = b"".join(directory)
    return b"".join([*parts, central, canonical_zip._end_record(len(files), len(central), offset)])


def test_the_in_order_helper_makes_the_canonical_zip_for_sorted_members() -> None:
    assert in_order(sorted(members(sample_bundle()).items())) == sample_bundle()


@pytest.mark.parametrize("i", range(11))
def test_two_members_swapped_are_named_as_out_of_order(i: int) -> None:
    files = sorted(members(sample_bundle()).items())
    files[i], files[i + 1] = files[i + 1], files[i]
    failure = check(in_order(files)).failure
    assert failure is not None and failure.code == "bundle.member_order"
    assert failure.member == files[i + 1][0]


def test_a_member_added_twice_is_refused() -> None:
    files = sorted(members(sample_bundle()).items())
    failure = check(in_order([*files[:3], files[2], *files[3:]])).failure
    assert failure is not None and failure.code == "bundle.member_order"


def test_the_same_members_in_another_zip_layout_are_not_the_bundle() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(members(sample_bundle()).items()):
            archive.writestr(name, data)
    failure = check(buffer.getvalue()).failure
    assert failure is not None and failure.code.startswith("bundle.zip_")


def test_a_crc_changed_the_same_way_in_both_headers_is_caught_after_the_content() -> None:
    bundle = bytearray(sample_bundle())
    archive = zipfile.ZipFile(io.BytesIO(sample_bundle()))
    first = archive.infolist()[0]  # agreement.pdf: the first local header and directory entry
    wrong = (first.CRC ^ 1).to_bytes(4, "little")
    bundle[first.header_offset + 14 : first.header_offset + 18] = wrong
    bundle[archive.start_dir + 16 : archive.start_dir + 20] = wrong
    failure = check(bytes(bundle)).failure
    assert failure is not None and failure.member == first.filename
    assert failure.code == "bundle.zip_crc_changed"


def signed_manifest(raw: bytes) -> bytes:
    """The sample bundle with ``raw`` as its manifest, signed by the instance key."""
    files = members(sample_bundle())
    files["manifest.json"] = raw
    files["manifest.sig"] = base64.b64encode(KEY.sign(raw)) + b"\n"
    return canonical_zip.write_zip(files.items())


def test_a_signed_manifest_that_is_not_canonical_json_is_named() -> None:
    manifest = json.loads(members(sample_bundle())["manifest.json"])
    raw = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    failure = check(signed_manifest(raw)).failure
    assert failure is not None
    assert (failure.member, failure.code) == ("manifest.json", "bundle.manifest_invalid")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"type":"xieshang-evidence-bundle","type":"xieshang-evidence-bundle","v":1}',
        b'{"type":"xieshang-evidence-bundle","v":1.0}',
        b"[]",
        b"\xff",
    ],
)
def test_a_signed_manifest_that_is_not_a_bundle_manifest_is_named(raw: bytes) -> None:
    failure = check(signed_manifest(raw)).failure
    assert failure is not None
    assert (failure.member, failure.code) == ("manifest.json", "bundle.manifest_invalid")


def test_a_manifest_of_a_later_format_version_says_so() -> None:
    manifest = json.loads(members(sample_bundle())["manifest.json"])
    failure = check(signed_manifest(canonical_json({**manifest, "v": 2}))).failure
    assert failure is not None and failure.code == "bundle.manifest_version"
    assert failure.detail["version"] == "2"


def test_a_payment_left_out_of_the_payments_file_is_named_even_when_re_signed() -> None:
    bundle = with_member(
        sample_bundle(), "payments.jsonl", lines_edit(lambda lines: lines[1:]), resign=KEY
    )
    failure = check(bundle).failure
    assert failure is not None
    assert (failure.item, failure.code) == ("payments.jsonl", "bundle.payment_missing")


def test_a_bundle_cannot_be_built_with_a_payment_left_out() -> None:
    content = sample_content()
    with pytest.raises(DomainError) as caught:
        build_bundle(replace(content, payments=content.payments[1:]), sign=KEY.sign)
    assert caught.value.code == "bundle.payment_missing"
