"""Checking an evidence bundle offline, naming the first thing that fails.

The checks run in this order and stop at the first failure, so the item named is the most
specific one a change touches (a changed byte of a log line names that entry, not the ZIP):

1. the container: every ZIP header exactly as the canonical layout has it (``canonical_zip``);
2. ``manifest.json``: present, a JSON object of format ``xieshang-evidence-bundle`` version 1;
3. the public key: the one given, else the bundle's own ``public_key.pem``;
4. ``manifest.sig``: the key's signature of the exact bytes of ``manifest.json``;
5. the members: each listed one present with the listed size and SHA-256, nothing unlisted,
   the required ones there (a changed ``log.jsonl`` is searched for its first bad entry);
6. ``log.jsonl``: every entry parses strictly and the chain verifies
   (``xieshang.domain.evidence.verify_chain``), ending at the manifest's head and length;
7. ``checkpoints.jsonl`` and ``receipts.jsonl``: each signature verifies and the log holds
   the signed head at the signed seq;
8. ``payments.jsonl``: each record matches a distinct ``payment`` event of the log, and
   every ``payment`` event of the log has its record;
9. ``manifest.json`` is canonical JSON, the CRC-32 of every member matches, and finally the
   whole container rebuilt from its members equals the bundle byte for byte.

A bundle checked only against its own ``public_key.pem`` proves that nothing changed since it
was signed, not who signed it: compare ``key_fingerprint`` with the instance's published key.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from xieshang.domain.errors import DomainError

from .bundle_format import (
    BUNDLE_TYPE,
    BUNDLE_VERSION,
    CHECKPOINTS,
    LOG,
    MANIFEST,
    MANIFEST_FIELDS,
    MANIFEST_SIG,
    PAYMENTS,
    PUBLIC_KEY,
    RECEIPTS,
    REQUIRED,
    FileFact,
    key_fingerprint,
    parse_json_object,
    parse_json_strict,
)
from .bundle_records import check_log, check_payments, check_receipts, locate_log_damage
from .bundle_report import (
    CONTAINER,
    KEY_BUNDLE,
    KEY_GIVEN,
    BundleFailure,
    BundleReport,
    CheckFailedError,
    fail,
)
from .canonical_zip import Member, ZipLayoutError, crc_matches, read_zip, write_zip

Verifier = Callable[[bytes, bytes], bool]
VerifierFor = Callable[[str], Verifier]

_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class _Manifest:
    case_id: str
    case_reference: str
    events: int
    head: str
    exported_at: str
    files: tuple[FileFact, ...]


@dataclass(slots=True)
class _Progress:
    key_source: str
    key_fingerprint: str | None = None
    manifest: _Manifest | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def report(self, failure: BundleFailure | None) -> BundleReport:
        m = self.manifest
        return BundleReport(
            ok=failure is None,
            failure=failure,
            key_source=self.key_source,
            key_fingerprint=self.key_fingerprint,
            case_id=m.case_id if m else None,
            case_reference=m.case_reference if m else None,
            exported_at=m.exported_at if m else None,
            events=m.events if m else None,
            head=m.head if m else None,
            files=len(m.files) if m else 0,
            checkpoints=self.counts.get(CHECKPOINTS, 0),
            receipts=self.counts.get(RECEIPTS, 0),
            payments=self.counts.get(PAYMENTS, 0),
        )


# ---------------------------------------------------------------------------------------------


def verify_bundle(
    data: bytes, *, verifier_for: VerifierFor, public_key_pem: str | None = None
) -> BundleReport:
    """Check an evidence bundle; the report names the first failure (module docstring).

    ``verifier_for(pem) -> verify(message, signature) -> bool`` turns a public key into a
    verifier (``xieshang.security.signing.public_verifier``); ``public_key_pem`` is the key
    to check against, else the bundle's own.  An invalid *given* key raises its
    ``DomainError`` (the caller's input is wrong, not the bundle).
    """
    progress = _Progress(KEY_BUNDLE if public_key_pem is None else KEY_GIVEN)
    given = None
    if public_key_pem is not None:
        given = verifier_for(public_key_pem)
        progress.key_fingerprint = key_fingerprint(public_key_pem)
    try:
        _check(data, progress, verifier_for, given)
    except CheckFailedError as failed:
        return progress.report(failed.failure)
    return progress.report(None)


def _check(
    data: bytes, progress: _Progress, verifier_for: VerifierFor, given: Verifier | None
) -> None:
    try:
        members = read_zip(data)
    except ZipLayoutError as problem:
        raise fail(problem.member, problem.code) from None
    files = {m.name: m.data for m in members}
    manifest_bytes = _required(files, MANIFEST)
    manifest = _parse_manifest(manifest_bytes)
    progress.manifest = manifest
    verify = given if given is not None else _own_key(files, progress, verifier_for)
    signature = _signature(_required(files, MANIFEST_SIG))
    if verify(manifest_bytes, signature) is not True:
        raise fail(
            MANIFEST,
            "bundle.signature_mismatch",
            key=progress.key_fingerprint or "",
            source=progress.key_source,
        )
    _check_members(files, manifest)
    entries = check_log(
        files[LOG], case_id=manifest.case_id, head=manifest.head, events=manifest.events
    )
    for name in (CHECKPOINTS, RECEIPTS):
        progress.counts[name] = check_receipts(name, files[name], entries, manifest.case_id, verify)
    progress.counts[PAYMENTS] = check_payments(files[PAYMENTS], entries)
    _check_container(data, members, manifest_bytes)


def _required(files: Mapping[str, bytes], name: str) -> bytes:
    if name not in files:
        raise fail(name, "bundle.member_missing")
    return files[name]


def _own_key(
    files: Mapping[str, bytes], progress: _Progress, verifier_for: VerifierFor
) -> Verifier:
    raw = _required(files, PUBLIC_KEY)
    try:
        pem = raw.decode("ascii")
        verify = verifier_for(pem)
    except (UnicodeDecodeError, DomainError):
        raise fail(PUBLIC_KEY, "bundle.public_key_invalid") from None
    progress.key_fingerprint = key_fingerprint(pem)
    return verify


def _signature(raw: bytes) -> bytes:
    text = raw[:-1] if raw.endswith(b"\n") else b"!"
    try:
        signature = base64.b64decode(text, validate=True)
    except ValueError:
        signature = b""
    if not signature or base64.b64encode(signature) != text:
        raise fail(MANIFEST_SIG, "bundle.signature_unreadable")
    return signature


# ---------------------------------------------------------------------------------------------
# the manifest


def _is_count(value: object) -> bool:
    return type(value) is int and value >= 0


def _is_hex(value: object) -> bool:
    return isinstance(value, str) and _HEX64.fullmatch(value) is not None


def _parse_manifest(raw: bytes) -> _Manifest:
    # Its canonical form is checked last (``_check_container``): a changed manifest fails its
    # signature anyway, and every other change is found without re-encoding it.
    value = parse_json_strict(raw)
    if value is None or value.get("type") != BUNDLE_TYPE:
        raise fail(MANIFEST, "bundle.manifest_invalid")
    if value.get("v") != BUNDLE_VERSION or type(value.get("v")) is not int:
        raise fail(MANIFEST, "bundle.manifest_version", version=str(value.get("v")))
    if set(value) != {"type", "v", *MANIFEST_FIELDS}:
        raise fail(MANIFEST, "bundle.manifest_invalid")
    strings = (value["case_id"], value["case_reference"], value["exported_at"])
    files = value["files"]
    if (
        not all(isinstance(s, str) for s in strings)
        or not value["case_id"]
        or not _is_count(value["events"])
        or not _is_hex(value["head"])
        or not isinstance(files, list)
    ):
        raise fail(MANIFEST, "bundle.manifest_invalid")
    facts = tuple(_file_fact(item) for item in files)
    names = [f.name for f in facts]
    if names != sorted(set(names)) or MANIFEST in names or MANIFEST_SIG in names:
        raise fail(MANIFEST, "bundle.manifest_invalid")
    return _Manifest(
        value["case_id"],
        value["case_reference"],
        value["events"],
        value["head"],
        value["exported_at"],
        facts,
    )


def _file_fact(item: Any) -> FileFact:
    if (
        not isinstance(item, dict)
        or set(item) != {"name", "sha256", "size"}
        or not isinstance(item["name"], str)
        or not item["name"]
        or not _is_hex(item["sha256"])
        or not _is_count(item["size"])
    ):
        raise fail(MANIFEST, "bundle.manifest_invalid")
    return FileFact(item["name"], item["size"], item["sha256"])


# ---------------------------------------------------------------------------------------------
# the members


def _check_members(files: Mapping[str, bytes], manifest: _Manifest) -> None:
    listed = {f.name for f in manifest.files}
    present = set(files) - {MANIFEST, MANIFEST_SIG}
    for name in sorted(listed | present):
        if name not in listed:
            raise fail(name, "bundle.member_unlisted")
        if name not in present:
            raise fail(name, "bundle.member_missing")
    for name in REQUIRED:
        if name not in listed:
            raise fail(name, "bundle.member_missing")
    for fact in manifest.files:
        _check_digest(files[fact.name], fact, manifest)


def _check_digest(data: bytes, fact: FileFact, manifest: _Manifest) -> None:
    name = fact.name
    if len(data) == fact.size and hashlib.sha256(data).hexdigest() == fact.sha256:
        return
    if name == LOG:
        raise CheckFailedError(locate_log_damage(data, manifest.head))
    raise fail(name, "bundle.member_changed")


# ---------------------------------------------------------------------------------------------
# the forms: manifest and container


def _check_container(data: bytes, members: Sequence[Member], manifest: bytes) -> None:
    if parse_json_object(manifest) is None:
        raise fail(MANIFEST, "bundle.manifest_invalid")
    for member in members:
        if not crc_matches(member):
            raise fail(member.name, "bundle.zip_crc_changed")
    if write_zip((m.name, m.data) for m in members) != data:
        raise fail(CONTAINER, "bundle.zip_not_canonical")
