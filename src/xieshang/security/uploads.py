"""Upload checks: what a document really is (by its bytes), a safe name, and safe serving headers.

A borrower's evidence (contracts, schedules, repayment records, hardship proof) arrives from
browsers and scripts we do not control.  The content decides the type, never the name or the
declared ``Content-Type``; anything a browser could execute (HTML, SVG, XML, JavaScript, or a
file that is both a PDF and HTML) is refused, and what we keep is always served as an
attachment with ``nosniff`` and a sandboxing CSP, so even a missed trick cannot run in our origin.

Accepted in this version: PDF, PNG, JPEG, WebP, GIF, and UTF-8 plain text or CSV.  ZIP-based
files (``PK\\x03\\x04``: .zip, .docx, .xlsx, .odt …) and legacy Office files are *not* accepted:
they carry macros and nested content we do not inspect; a borrower can export a PDF instead.
Text must be UTF-8 (a GBK/GB18030 export is refused; re-save as UTF-8).

Standard library only.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import quote

from xieshang.domain.errors import DomainError

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
GIF = "image/gif"
TEXT = "text/plain"
CSV = "text/csv"

ACCEPTED_TYPES: frozenset[str] = frozenset({PDF, PNG, JPEG, WEBP, GIF, TEXT, CSV})

#: Pass at least this many leading bytes (or the whole file if smaller) to the checks.
HEAD_BYTES = 8192
#: A kept filename is at most this many characters, extension included.
MAX_NAME_CHARS = 120
#: A raw filename longer than this is refused rather than shortened (nobody types it).
MAX_RAW_NAME_CHARS = 1024

# HTTP status a face should answer with for each refusal.
UPLOAD_STATUS: dict[str, int] = {
    "upload.too_large": 413,
    "upload.empty": 422,
    "upload.type_not_allowed": 415,
    "upload.type_mismatch": 415,
    "upload.name_invalid": 422,
}


class DocumentKind(Enum):
    """What a stored document is to the case, chosen by the user (the bytes say only the format)."""

    CONTRACT = "contract"  # 合同
    SCHEDULE = "schedule"  # 还款计划表
    REPAYMENT_RECORD = "repayment_record"  # 还款记录
    HARDSHIP_EVIDENCE = "hardship_evidence"  # 困难证明（失业、疾病、收入下降）
    RECEIPT = "receipt"  # 收据 / 转账凭证
    STATEMENT = "statement"  # 账单 / 对账单
    OTHER = "other"  # 其他

    @classmethod
    def parse(cls, text: str) -> DocumentKind:
        """Read a kind from its code (any case, ``-`` or space for ``_``) or its Chinese label.

        >>> DocumentKind.parse("Repayment-Record"), DocumentKind.parse("合同")
        (<DocumentKind.REPAYMENT_RECORD: 'repayment_record'>, <DocumentKind.CONTRACT: 'contract'>)
        """
        key = re.sub(r"[\s\-]+", "_", unicodedata.normalize("NFKC", text).strip().lower())
        for kind in cls:
            if kind.value == key:
                return kind
        found = _KIND_LABELS.get(key)
        if found is None:
            raise DomainError("document.kind_unknown", field="kind", value=text)
        return found


_KIND_LABELS: dict[str, DocumentKind] = {
    "合同": DocumentKind.CONTRACT,
    "借款合同": DocumentKind.CONTRACT,
    "还款计划": DocumentKind.SCHEDULE,
    "还款计划表": DocumentKind.SCHEDULE,
    "还款记录": DocumentKind.REPAYMENT_RECORD,
    "困难证明": DocumentKind.HARDSHIP_EVIDENCE,
    "收据": DocumentKind.RECEIPT,
    "凭证": DocumentKind.RECEIPT,
    "转账凭证": DocumentKind.RECEIPT,
    "账单": DocumentKind.STATEMENT,
    "对账单": DocumentKind.STATEMENT,
    "其他": DocumentKind.OTHER,
}


class UploadRejected(DomainError):  # noqa: N818 — the name the services expect
    """An upload refused before anything is stored; ``status`` is the HTTP answer for it.

    >>> e = UploadRejected("upload.too_large", size=11, max_bytes=10)
    >>> (e.code, e.field, e.status)
    ('upload.too_large', 'file', 413)
    """

    def __init__(self, code: str, *, field: str | None = "file", **params: Any) -> None:
        super().__init__(code, field=field, **params)

    @property
    def status(self) -> int:
        return UPLOAD_STATUS.get(self.code, 400)


@dataclass(frozen=True, slots=True)
class UploadCheck:
    """An upload that passed: its real media type, the name to keep, and its size in bytes."""

    media_type: str
    filename: str
    size: int


# --- sniffing ------------------------------------------------------------------------------

# Markup a browser would render; looked for in the first KiB of binary files (polyglots) and
# in the whole head of text files.
_MARKUP = (
    b"<html",
    b"<script",
    b"<svg",
    b"<!doctype",
    b"<body",
    b"<head",
    b"<iframe",
    b"<object",
    b"<embed",
    b"<meta",
)
# How a script (not prose or a table) typically begins; case matters (``Import`` is prose).
_SCRIPT_STARTS = (
    "//",
    "/*",
    "#!",
    "(function",
    "!function",
    "function ",
    "function(",
    "var ",
    "let ",
    "const ",
    "import ",
    "export ",
    "'use strict'",
    '"use strict"',
)
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
)
_REFUSED_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),
    (b"PK\x07\x08", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
)
POLYGLOT = "polyglot"
UNKNOWN = "application/octet-stream"


def _classify(head: bytes, *, complete: bool) -> tuple[str, bool]:
    """(media type or refusal label, accepted?) for the leading bytes of a file."""
    lowered_kib = head[:1024].lower()
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return _unless_markup(media_type, lowered_kib)
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return _unless_markup(WEBP, lowered_kib)
    for magic, label in _REFUSED_MAGIC:
        if head.startswith(magic):
            return label, False
    text = _as_text(head, complete=complete)
    if text is None:
        return UNKNOWN, False
    return _classify_text(text, complete=complete)


def _unless_markup(media_type: str, lowered_kib: bytes) -> tuple[str, bool]:
    if any(marker in lowered_kib for marker in _MARKUP):
        return POLYGLOT, False
    return media_type, True


def _as_text(head: bytes, *, complete: bool) -> str | None:
    """The head as UTF-8 text, or None when it is binary (NUL, control characters, bad UTF-8)."""
    if b"\x00" in head:
        return None
    body = head.removeprefix(codecs.BOM_UTF8)
    try:
        # A head cut inside a multi-byte character is still text unless it is the whole file.
        text = codecs.getincrementaldecoder("utf-8")().decode(body, final=complete)
    except UnicodeDecodeError:
        return None
    for ch in text:
        if ch not in "\t\r\n" and unicodedata.category(ch) == "Cc":
            return None
    return text


def _classify_text(text: str, *, complete: bool) -> tuple[str, bool]:
    start = text.lstrip()
    lowered = text.lower()
    if "<svg" in lowered:
        return "image/svg+xml", False
    if any(marker.decode() in lowered for marker in _MARKUP):
        return "text/html", False
    if start.startswith("<"):
        return ("application/xml", False) if start.startswith("<?xml") else ("text/html", False)
    if start.startswith(_SCRIPT_STARTS):
        return "text/javascript", False
    return (CSV if _looks_like_csv(text, complete=complete) else TEXT), True


def _looks_like_csv(text: str, *, complete: bool) -> bool:
    """At least two of the first lines split into the same number (≥ 2) of comma fields."""
    if not complete and "\n" in text:
        text = text[: text.rfind("\n") + 1]  # the last line may be cut short
    try:
        rows = list(itertools.islice(csv.reader(io.StringIO(text)), 5))
    except csv.Error:
        return False
    rows = [row for row in rows if row]
    widths = {len(row) for row in rows}
    return len(rows) >= 2 and len(widths) == 1 and widths.pop() >= 2


def sniff_media_type(head: bytes, *, complete: bool = False) -> str | None:
    """The accepted media type of a file from its leading bytes, or None to refuse it.

    ``complete`` says the head is the whole file (so a cut-off UTF-8 character is an error).

    >>> sniff_media_type(b"%PDF-1.7\\n%\\xe2\\xe3\\xcf\\xd3\\n")
    'application/pdf'
    >>> sniff_media_type("日期,金额\\n2024-01-15,1000.00\\n".encode())
    'text/csv'
    >>> sniff_media_type(b"%PDF-1.4\\n<html><script>alert(1)</script>") is None
    True
    """
    media_type, accepted = _classify(head, complete=complete)
    return media_type if accepted else None


# --- names ---------------------------------------------------------------------------------

_CANONICAL_EXT: dict[str, str] = {
    PDF: "pdf",
    PNG: "png",
    JPEG: "jpg",
    WEBP: "webp",
    GIF: "gif",
    TEXT: "txt",
    CSV: "csv",
}
_EXT_TYPE: dict[str, str] = {
    "pdf": PDF,
    "png": PNG,
    "jpg": JPEG,
    "jpeg": JPEG,
    "jpe": JPEG,
    "jfif": JPEG,
    "webp": WEBP,
    "gif": GIF,
    "txt": TEXT,
    "text": TEXT,
    "log": TEXT,
    "tsv": TEXT,
    "csv": CSV,
}
# Extensions of types we do not accept: a name ending so claims a type the content is not.
# fmt: off
_FOREIGN_EXT = frozenset({
    "html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "xsl", "xslt", "js", "mjs", "cjs",
    "jsx", "json", "wasm", "swf", "hta", "php", "asp", "aspx", "jsp", "cgi", "pl", "py", "rb",
    "sh", "bash", "ps1", "bat", "cmd", "com", "exe", "scr", "msi", "dll", "lnk", "vbs", "jar",
    "apk", "zip", "rar", "7z", "gz", "tgz", "bz2", "xz", "tar", "doc", "docx", "docm", "xls",
    "xlsx", "xlsm", "ppt", "pptx", "odt", "ods", "odp", "rtf", "heic", "heif", "bmp", "tif",
    "tiff", "ico", "mp3", "mp4", "mov", "avi",
})
# fmt: on
_RESERVED_WINDOWS = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in "123456789¹²³"]
    + [f"LPT{i}" for i in "123456789¹²³"]
)
# Direction overrides can make "gpj.exe" display as "exe.jpg"; BOM and word joiners hide text.
_INVISIBLE = frozenset("\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\ufeff") | {
    chr(c) for c in range(0x2066, 0x206A)
}
_WINDOWS_FORBIDDEN = str.maketrans(dict.fromkeys('<>:"|?*', "_"))


def _split_ext(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or not ext:
        return name, ""
    return stem, ext.lower()


def _family(media_type: str) -> str:
    return "text" if media_type in (TEXT, CSV) else media_type


def sanitize_filename(name: str, media_type: str) -> str:
    """A name safe to keep and to offer for download, whose extension matches ``media_type``.

    NFC; no path, control or direction characters, leading dots or reserved Windows names;
    whitespace collapsed; at most ``MAX_NAME_CHARS`` characters with the extension kept.
    Applying it twice changes nothing.

    >>> sanitize_filename("..\\\\..\\\\招商 合同\\t2024.PDF", "application/pdf")
    '招商 合同 2024.pdf'
    >>> sanitize_filename("scan.jpeg", "image/png"), sanitize_filename("CON.pdf", "application/pdf")
    ('scan.png', 'document.pdf')
    """
    canonical = _CANONICAL_EXT.get(media_type, "bin")
    text = unicodedata.normalize("NFC", name)
    text = re.split(r"[/\\]", text)[-1]
    text = re.sub(r"[\t\n\r\v\f]", " ", text)  # whitespace controls separate words
    text = "".join(
        ch for ch in text if ch not in _INVISIBLE and unicodedata.category(ch) not in ("Cc", "Cs")
    )
    text = " ".join(text.translate(_WINDOWS_FORBIDDEN).split())
    text = text.lstrip(". ").rstrip(". ")
    if text.split(".")[0].strip().upper() in _RESERVED_WINDOWS:
        text = ""
    stem, ext = _split_ext(text)
    if ext and _EXT_TYPE.get(ext) is not None and _EXT_TYPE[ext] == media_type:
        pass  # the name already says what the content is
    elif ext and _family(_EXT_TYPE.get(ext, "")) == _family(media_type):
        pass  # e.g. "data.tsv" for plain text
    elif ext in _EXT_TYPE or ext in _FOREIGN_EXT:
        ext = canonical  # a wrong type's extension is replaced
    else:
        stem, ext = text, canonical  # "report.2024" keeps its dot: "report.2024.pdf"
    stem = stem[: MAX_NAME_CHARS - len(ext) - 1].rstrip(". ")
    return f"{stem or 'document'}.{ext}"


def _name_problem(name: str) -> str | None:
    if "\x00" in name:
        return "nul"  # "evil.html\x00.pdf": something downstream may cut at the NUL
    if len(name) > MAX_RAW_NAME_CHARS:
        return "too_long"
    if any(unicodedata.category(ch) == "Cs" for ch in name):
        return "encoding"
    return None


# --- the check -----------------------------------------------------------------------------

_DECLARED: dict[str, str] = {
    PDF: PDF,
    "application/x-pdf": PDF,
    "application/acrobat": PDF,
    PNG: PNG,
    "image/x-png": PNG,
    JPEG: JPEG,
    "image/jpg": JPEG,
    "image/pjpeg": JPEG,
    WEBP: WEBP,
    GIF: GIF,
    TEXT: TEXT,
    CSV: CSV,
    "application/csv": CSV,
    "text/x-csv": CSV,
    "text/comma-separated-values": CSV,
}
# Declared types that say nothing (Windows browsers send the Excel type for any .csv).
_SAYS_NOTHING = frozenset(
    {"application/octet-stream", "binary/octet-stream", "application/unknown",
     "application/vnd.ms-excel"}
)  # fmt: skip


def _claims(filename: str, declared_type: str | None) -> list[tuple[str, str]]:
    """(source, media type) for what the name and the declared type say the file is."""
    found: list[tuple[str, str]] = []
    _, ext = _split_ext(re.split(r"[/\\]", filename)[-1].strip().rstrip(". "))
    if ext in _EXT_TYPE:
        found.append(("extension", _EXT_TYPE[ext]))
    elif ext in _FOREIGN_EXT:
        found.append(("extension", f".{ext}"))
    declared = (declared_type or "").split(";")[0].strip().lower()
    if re.fullmatch(r"[a-z0-9.+\-]+/[a-z0-9.+\-]+", declared) and declared not in _SAYS_NOTHING:
        found.append(("declared", _DECLARED.get(declared, declared)))
    return found


def check_upload(
    filename: str,
    declared_type: str | None,
    data_head: bytes,
    size: int,
    *,
    max_bytes: int,
) -> UploadCheck:
    """Accept an upload (its real type and a safe name) or raise ``UploadRejected``.

    ``data_head`` is the first ``HEAD_BYTES`` bytes (or the whole file); ``size`` its full size.
    The content decides the type; a name or declared type claiming another type is a mismatch.

    >>> check_upload("合同.pdf", "application/pdf", b"%PDF-1.7\\n", 9, max_bytes=100)
    UploadCheck(media_type='application/pdf', filename='合同.pdf', size=9)
    >>> try:
    ...     check_upload("合同.pdf", None, b"<html>hi</html>", 15, max_bytes=100)
    ... except UploadRejected as e:
    ...     print(e.code, e.params["detected"])
    upload.type_mismatch text/html
    """
    size = max(size, len(data_head))
    if size > max_bytes:
        raise UploadRejected("upload.too_large", size=size, max_bytes=max_bytes)
    if size <= 0 or not data_head:
        raise UploadRejected("upload.empty")
    problem = _name_problem(filename)
    if problem is not None:
        raise UploadRejected("upload.name_invalid", field="filename", reason=problem)
    detected, accepted = _classify(data_head, complete=len(data_head) >= size)
    claims = _claims(filename, declared_type)
    if not accepted:
        disguised = [
            (source, claimed)
            for source, claimed in claims
            if claimed in ACCEPTED_TYPES and detected != POLYGLOT
        ]
        if disguised:
            source, claimed = disguised[0]
            raise UploadRejected(
                "upload.type_mismatch", source=source, claimed=claimed, detected=detected
            )
        raise UploadRejected("upload.type_not_allowed", detected=detected)
    for source, claimed in claims:
        if _family(claimed) != _family(detected):
            raise UploadRejected(
                "upload.type_mismatch", source=source, claimed=claimed, detected=detected
            )
    media_type = detected
    if _family(detected) == "text":
        # Within text, what the user called it wins: a one-column .csv is still a CSV.
        media_type = next((claimed for _, claimed in claims), detected)
    return UploadCheck(media_type, sanitize_filename(filename, media_type), size)


# --- serving -------------------------------------------------------------------------------


def _ascii_fallback(filename: str) -> str:
    stem, ext = _split_ext(filename)
    folded = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    safe = re.sub(r"[^A-Za-z0-9 ._()\[\]+,=-]", "_", folded)
    safe = re.sub(r"_+", "_", " ".join(safe.split())).strip(" ._")
    if not re.search(r"[A-Za-z0-9]", safe):
        safe = "document"
    return f"{safe}.{ext}" if ext else safe


def download_headers(filename: str, media_type: str) -> dict[str, str]:
    """Headers to serve a stored document: always an attachment, never sniffed or scripted.

    >>> h = download_headers("合同.pdf", "application/pdf")
    >>> h["Content-Disposition"]
    'attachment; filename="document.pdf"; filename*=UTF-8\\'\\'%E5%90%88%E5%90%8C.pdf'
    """
    if media_type not in ACCEPTED_TYPES:
        media_type = UNKNOWN
    name = sanitize_filename(filename, media_type)
    content_type = f"{media_type}; charset=utf-8" if _family(media_type) == "text" else media_type
    disposition = f'attachment; filename="{_ascii_fallback(name)}"'
    encoded = quote(name, safe="")
    return {
        "Content-Type": content_type,
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{encoded}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
