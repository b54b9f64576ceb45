"""The evidence bundle: what it holds, that it is deterministic and readable by standard tools,
and what building refuses; the keys it is checked against."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from support.evidence_bundle import (
    AGREEMENT_PDF,
    CASE_ID,
    DOCUMENTS,
    EVENTS,
    KEY,
    OTHER_KEY,
    REFERENCE,
    members,
    sample_bundle,
    sample_content,
)
from xieshang.documents.bundle import BundleContent, build_bundle, verify_bundle
from xieshang.documents.bundle_format import REQUIRED, key_fingerprint, safe_name
from xieshang.documents.bundle_summary import state_label
from xieshang.domain.case_state import CaseState
from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import EntryKind, Receipt, parse_log, serialise_log, verify_chain
from xieshang.i18n import catalog
from xieshang.security.signing import public_verifier

HEX64 = re.compile(r"[0-9a-f]{64}")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_an_untouched_bundle_is_intact_and_reports_what_it_holds() -> None:
    report = verify_bundle(sample_bundle(), verifier_for=public_verifier)
    assert report.ok and report.failure is None
    content = sample_content()
    assert (report.case_id, report.case_reference, report.events) == (CASE_ID, REFERENCE, EVENTS)
    assert report.head == content.entries[-1].hash
    assert (report.checkpoints, report.receipts) == (EVENTS // 50, 1)
    assert report.payments == len(content.payments) > 10
    assert report.files == len(members(sample_bundle())) - 2  # listed: not the manifest, its sig


def test_the_case_log_has_over_two_hundred_events_of_every_kind() -> None:
    entries = sample_content().entries
    assert len(entries) >= 200
    assert {e.kind for e in entries} == {k.value for k in EntryKind}


def test_building_twice_gives_the_same_bytes() -> None:
    again = build_bundle(sample_content(), sign=KEY.sign)
    assert again == sample_bundle()


def test_a_different_export_time_changes_the_bytes_and_still_verifies() -> None:
    content = sample_content()
    later = replace(content, exported_at=content.exported_at + timedelta(days=1))
    bundle = build_bundle(later, sign=KEY.sign)
    assert bundle != sample_bundle()
    assert verify_bundle(bundle, verifier_for=public_verifier).ok


def test_standard_zip_readers_open_the_bundle_and_find_every_part() -> None:
    archive = zipfile.ZipFile(io.BytesIO(sample_bundle()))
    assert archive.testzip() is None
    names = archive.namelist()
    assert names == sorted(names)
    assert set(REQUIRED) | {"manifest.json", "manifest.sig", "agreement.pdf"} <= set(names)
    assert [n for n in names if n.startswith("documents/")] == [
        "documents/01-借款合同_2024_扫描件_.pdf",
        "documents/02-repayment_records.csv",
    ]
    assert archive.read("documents/02-repayment_records.csv") == DOCUMENTS[1][1]
    assert archive.read("agreement.pdf") == AGREEMENT_PDF
    for info in archive.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.extra == b"" and info.comment == b""
    assert archive.comment == b""


@pytest.mark.skipif(shutil.which("unzip") is None, reason="needs Info-ZIP unzip")
def test_unzip_tests_the_archive_without_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(sample_bundle())
    done = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No errors detected" in done.stdout


def test_the_log_member_is_the_case_log_and_verifies_alone() -> None:
    files = members(sample_bundle())
    entries = parse_log(files["log.jsonl"])
    assert files["log.jsonl"] == serialise_log(sample_content().entries)
    assert verify_chain(entries).ok


def test_the_manifest_lists_every_other_member_with_its_size_and_digest() -> None:
    files = members(sample_bundle())
    manifest = json.loads(files["manifest.json"])
    assert manifest["type"] == "xieshang-evidence-bundle" and manifest["v"] == 1
    assert manifest["head"] == sample_content().entries[-1].hash
    assert manifest["events"] == EVENTS
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == set(files) - {"manifest.json", "manifest.sig"}
    for name, item in listed.items():
        assert item["size"] == len(files[name])
        assert item["sha256"] == hashlib.sha256(files[name]).hexdigest()


def test_the_manifest_signature_is_the_instance_keys_over_its_exact_bytes() -> None:
    files = members(sample_bundle())
    signature = base64.b64decode(files["manifest.sig"])
    assert files["manifest.sig"].endswith(b"\n")
    assert KEY.verifier()(files["manifest.json"], signature)
    assert files["public_key.pem"].decode() == KEY.public_key_pem()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs OpenSSL 3")
def test_the_summarys_manual_steps_verify_the_bundle_with_standard_tools(tmp_path: Path) -> None:
    for name, data in members(sample_bundle()).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    (tmp_path / "instance-public-key.pem").write_text(KEY.public_key_pem())
    manifest = json.loads((tmp_path / "manifest.json").read_bytes())
    sums = "".join(f"{f['sha256']}  {f['name']}\n" for f in manifest["files"])
    check = subprocess.run(
        ["sha256sum", "--check", "--strict", "-"],
        input=sums,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    (tmp_path / "manifest.sig.bin").write_bytes(base64.b64decode(manifest_sig(tmp_path)))
    command = [
        "openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "instance-public-key.pem",
        "-rawin", "-in", "manifest.json", "-sigfile", "manifest.sig.bin",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = (tmp_path / "summary.en.html").read_text()
    assert "openssl pkeyutl -verify -pubin -inkey instance-public-key.pem -rawin" in summary
    (tmp_path / "manifest.json").write_bytes(b" " + (tmp_path / "manifest.json").read_bytes())
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode != 0


def manifest_sig(folder: Path) -> bytes:
    return (folder / "manifest.sig").read_bytes()


# ---------------------------------------------------------------------------------------------
# the summary pages


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_summary_shows_the_parties_the_head_and_every_files_digest(lang: str) -> None:
    files = members(sample_bundle())
    page = files[f"summary.{lang}.html"].decode("utf-8")
    content = sample_content()
    assert content.entries[-1].hash in page
    assert "李**" in page and "某某消费金融有限公司" in page and REFERENCE in page
    assert f">{EVENTS}<" in page
    for name, data in files.items():
        if name.endswith(".html") or name.startswith("manifest."):
            continue
        assert name in page and hashlib.sha256(data).hexdigest() in page
    assert "借款合同 2024（扫描件）.pdf" in page  # the original name beside the safe one
    assert key_fingerprint(KEY.public_key_pem()) in page
    assert "xieshang evidence verify" in page
    assert ("完好" in page) == (lang == "zh") and ("intact" in page) == (lang == "en")
    assert ("履行中" in page) == (lang == "zh")
    assert "http://" not in page and "https://" not in page  # nothing fetched from outside


def test_every_case_state_has_a_label_in_both_languages() -> None:
    labels = catalog()["ui"]
    for state in CaseState:
        assert f"bundle_state_{state.value}" in labels
        assert CHINESE.search(state_label(state.value, "zh"))
        assert state_label(state.value, "en") == state.value.replace("_", " ")
    assert state_label("some_future_state", "zh") == "some_future_state"


# ---------------------------------------------------------------------------------------------
# names, keys and fingerprints


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("合同.pdf", "合同.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\li\\还款 记录.xlsx", "还款_记录.xlsx"),
        ("...", "document"),
        ("a" * 200 + ".pdf", "a" * 76 + ".pdf"),
        ("report<script>.html", "report_script_.html"),
    ],
)
def test_document_names_are_made_safe_inside_the_bundle(name: str, safe: str) -> None:
    assert safe_name(name) == safe


def test_the_key_fingerprint_is_the_sha256_of_the_raw_key_and_starts_with_the_key_id() -> None:
    fingerprint = key_fingerprint(KEY.public_key_pem())
    assert HEX64.fullmatch(fingerprint)
    assert fingerprint.startswith(KEY.key_id)
    assert fingerprint != key_fingerprint(OTHER_KEY.public_key_pem())


def test_checked_against_its_own_key_the_report_says_so_and_gives_the_fingerprint() -> None:
    report = verify_bundle(sample_bundle(), verifier_for=public_verifier)
    assert report.key_source == "bundle"
    assert report.key_fingerprint == key_fingerprint(KEY.public_key_pem())


def test_checked_against_the_instance_key_given_the_report_says_given() -> None:
    report = verify_bundle(
        sample_bundle(), verifier_for=public_verifier, public_key_pem=KEY.public_key_pem()
    )
    assert report.ok and report.key_source == "given"


def test_checked_against_another_key_the_bundle_fails_naming_that_key() -> None:
    other = OTHER_KEY.public_key_pem()
    report = verify_bundle(sample_bundle(), verifier_for=public_verifier, public_key_pem=other)
    assert not report.ok and report.failure is not None
    assert report.failure.code == "bundle.signature_mismatch"
    assert report.failure.detail["key"] == key_fingerprint(other)
    assert report.failure.detail["source"] == "given"
    assert report.key_fingerprint == key_fingerprint(other)


def test_an_invalid_given_key_is_the_callers_error_not_the_bundles() -> None:
    with pytest.raises(DomainError) as raised:
        verify_bundle(sample_bundle(), verifier_for=public_verifier, public_key_pem="not a key")
    assert raised.value.code == "signing.public_key_invalid"


def test_a_bundle_rebuilt_whole_with_another_key_is_caught_only_by_the_right_key() -> None:
    forged = build_bundle(sample_content(key=OTHER_KEY), sign=OTHER_KEY.sign)
    assert verify_bundle(forged, verifier_for=public_verifier).ok  # integrity, not origin
    report = verify_bundle(
        forged, verifier_for=public_verifier, public_key_pem=KEY.public_key_pem()
    )
    assert not report.ok and report.failure is not None
    assert report.failure.code == "bundle.signature_mismatch"


# ---------------------------------------------------------------------------------------------
# what building refuses


def test_building_refuses_a_log_whose_chain_is_broken() -> None:
    content = sample_content()
    entries = list(content.entries)
    entries[9], entries[10] = entries[10], entries[9]
    with pytest.raises(DomainError) as raised:
        build_bundle(replace(content, entries=tuple(entries)), sign=KEY.sign)
    assert raised.value.code == "bundle.log_invalid"
    assert raised.value.params["seq"] == 10


def test_building_refuses_a_log_of_another_case() -> None:
    with pytest.raises(DomainError) as raised:
        build_bundle(replace(sample_content(), case_id="case-9999"), sign=KEY.sign)
    assert raised.value.code == "bundle.log_other_case"


def test_building_refuses_a_receipt_the_log_does_not_hold() -> None:
    content = sample_content()
    receipt, signature = content.receipts[0]
    wrong = Receipt(receipt.case_id, receipt.seq, content.entries[0].hash, receipt.at)
    with pytest.raises(DomainError) as raised:
        build_bundle(replace(content, receipts=((wrong, signature),)), sign=KEY.sign)
    assert (raised.value.code, raised.value.field) == ("bundle.receipt_not_in_log", "receipts[0]")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"amount": "1250.01"}, "bundle.payment_differs"),
        ({"event_hash": "0" * 64}, "bundle.payment_not_in_log"),
        ({"note": "not in the event"}, "bundle.payment_differs"),
    ],
)
def test_building_refuses_a_payment_record_no_payment_event_carries(
    change: dict[str, str], code: str
) -> None:
    content = sample_content()
    payments = list(content.payments)
    payments[2] = {**payments[2], **change}
    with pytest.raises(DomainError) as raised:
        build_bundle(replace(content, payments=tuple(payments)), sign=KEY.sign)
    assert (raised.value.code, raised.value.field) == (code, "payments[2]")


def test_a_payment_record_may_carry_fewer_fields_than_its_event() -> None:
    content = sample_content()
    short = tuple({"event_hash": p["event_hash"], "ref": p["ref"]} for p in content.payments)
    bundle = build_bundle(replace(content, payments=short), sign=KEY.sign)
    assert verify_bundle(bundle, verifier_for=public_verifier).ok


def test_a_case_with_an_empty_log_and_nothing_else_still_makes_a_verifiable_bundle() -> None:
    content = BundleContent(
        case_id=CASE_ID,
        case_reference=REFERENCE,
        borrower="李**",
        counterparty="某平台",
        state="draft",
        created_at=sample_content().created_at,
        exported_at=sample_content().exported_at,
        entries=(),
        public_key_pem=KEY.public_key_pem(),
    )
    report = verify_bundle(build_bundle(content, sign=KEY.sign), verifier_for=public_verifier)
    assert report.ok and report.events == 0 and report.head == "0" * 64
    assert "agreement.pdf" not in members(build_bundle(content, sign=KEY.sign))
