"""The evidence bundle's format: member names, line records and the checks that building and
verifying share (see ``bundle`` for the normative description)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xieshang.domain.evidence import EntryKind, LogEntry, Receipt, canonical_json

BUNDLE_TYPE = "xieshang-evidence-bundle"
BUNDLE_VERSION = 1

LOG = "log.jsonl"
CHECKPOINTS = "checkpoints.jsonl"
RECEIPTS = "receipts.jsonl"
PAYMENTS = "payments.jsonl"
AGREEMENT = "agreement.pdf"
PUBLIC_KEY = "public_key.pem"
MANIFEST = "manifest.json"
MANIFEST_SIG = "manifest.sig"
DOCUMENTS_DIR = "documents/"
SUMMARIES = {"zh": "summary.zh.html", "en": "summary.en.html"}
# What every bundle lists in its manifest (documents and the agreement depend on the case).
REQUIRED = (CHECKPOINTS, LOG, PAYMENTS, PUBLIC_KEY, RECEIPTS, *sorted(SUMMARIES.values()))
RECEIPT_FIELDS = ("at", "case_id", "head", "seq", "signature")
MANIFEST_FIELDS = ("case_id", "case_reference", "events", "exported_at", "files", "head")
EVENT_HASH = "event_hash"
_PEM_BODY = re.compile(r"-----BEGIN PUBLIC KEY-----(.*?)-----END PUBLIC KEY-----", re.S)
_ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
MAX_NAME = 80


@dataclass(frozen=True, slots=True)
class FileFact:
    """One listed member: name, size in bytes and lower-case hex SHA-256."""

    name: str
    size: int
    sha256: str


# ---------------------------------------------------------------------------------------------
# records shared by building and verifying


def receipt_record(receipt: Receipt, signature: bytes) -> dict[str, Any]:
    """The JSON object of one checkpoints/receipts line."""
    return {
        "at": receipt.at,
        "case_id": receipt.case_id,
        "head": receipt.head,
        "seq": receipt.seq,
        "signature": base64.b64encode(signature).decode("ascii"),
    }


def json_lines(records: Sequence[Mapping[str, Any]]) -> bytes:
    """Canonical JSON objects, one a line, each line ending in a newline."""
    return b"".join(canonical_json(record) + b"\n" for record in records)


def payment_problem(record: Mapping[str, Any], payments: Mapping[str, LogEntry]) -> str | None:
    """Why a payment record does not match the log (a ``bundle.*`` code), or ``None``.

    ``payments`` maps the hash of every ``payment`` event to its entry.
    """
    event_hash = record.get(EVENT_HASH)
    event = payments.get(event_hash) if isinstance(event_hash, str) else None
    if event is None:
        return "bundle.payment_not_in_log"
    for key, value in record.items():
        if key == EVENT_HASH:
            continue
        if key not in event.body or canonical_json(event.body[key]) != canonical_json(value):
            return "bundle.payment_differs"
    return None


def payment_events(entries: Sequence[LogEntry]) -> dict[str, LogEntry]:
    return {e.hash: e for e in entries if e.kind == EntryKind.PAYMENT.value}


def key_fingerprint(pem: str) -> str:
    """SHA-256 (hex) of the raw Ed25519 public key in ``pem``; its first 16 characters are
    the instance key id.  A PEM that is not an Ed25519 SubjectPublicKeyInfo is hashed whole.

    >>> pem = "-----BEGIN PUBLIC KEY-----\\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\\n-----END PUBLIC KEY-----\\n"
    >>> key_fingerprint(pem)[:16]
    'e744c0791320c328'
    """  # noqa: E501 - a PEM line
    body = _PEM_BODY.search(pem)
    try:
        der = base64.b64decode("".join(body.group(1).split()), validate=True) if body else b""
    except ValueError:
        der = b""
    if len(der) == 44 and der.startswith(_ED25519_SPKI_PREFIX):
        return hashlib.sha256(der[12:]).hexdigest()
    return hashlib.sha256(pem.encode("utf-8", "replace")).hexdigest()


def safe_name(name: str) -> str:
    """A file name safe inside the bundle: the last path part, NFC, letters (any script),
    digits, ``.``, ``_`` and ``-`` kept, runs of anything else as one ``_``, at most 80
    characters (the extension kept).

    >>> safe_name("../合同 扫描件(1).PDF"), safe_name("..."), safe_name("a/b\\\\c.txt")
    ('合同_扫描件_1_.PDF', 'document', 'c.txt')
    """
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = re.sub(r"_+", "_", "".join(c if c.isalnum() or c in "._-" else "_" for c in base))
    cleaned = cleaned.strip(".") or "document"
    if len(cleaned) > MAX_NAME:
        stem, dot, ext = cleaned.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            return f"{stem[: MAX_NAME - len(ext) - 1]}.{ext}"
        return cleaned[:MAX_NAME]
    return cleaned


def document_names(documents: Sequence[tuple[str, bytes]]) -> list[str]:
    """The member names of the documents: ``documents/01-<safe name>`` in their order."""
    width = max(2, len(str(len(documents))))
    return [
        f"{DOCUMENTS_DIR}{n:0{width}d}-{safe_name(name)}"
        for n, (name, _) in enumerate(documents, start=1)
    ]


def file_fact(name: str, data: bytes) -> FileFact:
    return FileFact(name, len(data), hashlib.sha256(data).hexdigest())


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({key for key, _ in pairs}) != len(pairs):
        raise ValueError("a repeated key")
    return dict(pairs)


def _no_fraction(text: str) -> Any:
    raise ValueError(f"a number with a fraction: {text}")


def parse_json_strict(raw: bytes) -> dict[str, Any] | None:
    """The JSON object in ``raw``, or ``None`` for anything else, a repeated key or a number
    with a fraction or exponent; the layout of the bytes is not checked.

    >>> parse_json_strict(b'{"a": 1}'), parse_json_strict(b'{"a":1,"a":2}'), parse_json_strict(b'[1.5]')
    ({'a': 1}, None, None)
    """  # noqa: E501 - a doctest line
    try:
        value = json.loads(
            raw,
            object_pairs_hook=_unique_keys,
            parse_float=_no_fraction,
            parse_constant=_no_fraction,
        )
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def parse_json_object(line: bytes) -> dict[str, Any] | None:
    """The object of one canonical JSON line (no final newline), or ``None`` when the bytes
    are not exactly the canonical JSON of an object.

    >>> parse_json_object(b'{"a":1,"b":"x"}'), parse_json_object(b'{"b":"x","a":1}')
    ({'a': 1, 'b': 'x'}, None)
    """
    value = parse_json_strict(line)
    try:
        if value is not None and canonical_json(value) == line:
            return value
    except ValueError:  # DomainError: what canonical JSON refuses (a huge integer, say)
        pass
    return None
