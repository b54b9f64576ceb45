"""Upload checks: the hostile-upload matrix, filename sanitising and the serving headers."""

from __future__ import annotations

import struct
import unicodedata
import zlib
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xieshang.domain.errors import DomainError
from xieshang.security.uploads import (
    HEAD_BYTES,
    MAX_NAME_CHARS,
    DocumentKind,
    UploadCheck,
    UploadRejected,
    check_upload,
    download_headers,
    sanitize_filename,
    sniff_media_type,
)

MAX = 1024 * 1024


def png_bytes() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
PNG = png_bytes()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
WEBP = (
    b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00"
    b"\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
)
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 20 + b"word/document.xml"
HTML = b"<!DOCTYPE html><html><body><script>fetch('/api/me')</script></body></html>"
POLYGLOT = b"%PDF-1.4\n%<html><body><script>alert(document.cookie)</script>\n1 0 obj\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
CSV_TEXT = "日期,金额,备注\n2024-01-15,1000.00,第1期\n2024-02-15,1000.00,第2期\n".encode()


def check(name: str, data: bytes, declared: str | None = None, **kw: int) -> UploadCheck:
    return check_upload(
        name, declared, data[:HEAD_BYTES], len(data), max_bytes=kw.get("max_bytes", MAX)
    )


def rejected(name: str, data: bytes, declared: str | None = None, **kw: int) -> UploadRejected:
    with pytest.raises(UploadRejected) as info:
        check(name, data, declared, **kw)
    return info.value


# --- sniffing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (GIF, "image/gif"),
        (b"GIF87a\x01\x00", "image/gif"),
        (WEBP, "image/webp"),
        ("还款记录：1月已还1000元。\n".encode(), "text/plain"),
        (b"\xef\xbb\xbfdate,amount\n2024-01-15,1000\n", "text/csv"),
        (CSV_TEXT, "text/csv"),
        (b'name,"note, with comma"\nA,"x, y"\n', "text/csv"),
        (b"Hello, world\n", "text/plain"),  # one line with a comma is prose
        (b"a,b\nc\n", "text/plain"),  # inconsistent comma counts
        (b"tabs\tand\r\nnewlines\n", "text/plain"),
        (b'{"loan": 1}', "text/plain"),
    ],
)
def test_accepted_types_are_recognised_by_their_bytes(data, media_type):
    assert sniff_media_type(data, complete=True) == media_type


@pytest.mark.parametrize(
    "data",
    [
        HTML,
        b"   <html><p>hi",
        b"<?xml version='1.0'?><x/>",
        SVG,
        b"<p>any markup at all</p>",
        POLYGLOT,
        PNG[:40] + b"<script>alert(1)</script>",
        JPEG[:10] + b"<svg onload=alert(1)>",
        ZIP,
        b"PK\x05\x06" + b"\x00" * 18,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50,
        b"\x7fELF\x02\x01\x01\x00",
        b"MZ\x90\x00\x03\x00",
        b"plain text with a NUL\x00 inside",
        b"text with an escape \x1b[31m",
        b"\xff\xfe\x00\x00not utf-8",
        "GBK 编码".encode("gbk"),
        b"function steal() { fetch('/x') }",
        b"// a script\nalert(1)",
        b"note: see <script>alert(1)</script>",
        b"report\n<iframe src=//evil>",
    ],
)
def test_markup_scripts_archives_and_binaries_are_refused(data):
    assert sniff_media_type(data) is None


def test_a_head_cut_inside_a_chinese_character_is_still_text_but_a_whole_file_is_not():
    cut = "合同".encode()[:-1]
    assert sniff_media_type(cut, complete=False) == "text/plain"
    assert sniff_media_type(cut, complete=True) is None


def test_pdf_markers_beyond_the_first_kib_are_not_a_polyglot():
    late = PDF + b"\x00" * 2000 + b"<html>"
    assert sniff_media_type(late) == "application/pdf"


# --- the hostile-upload matrix --------------------------------------------------------------


def test_an_oversize_upload_is_refused_with_413():
    e = rejected("合同.pdf", PDF, max_bytes=len(PDF) - 1)
    assert (e.code, e.status, e.params["max_bytes"]) == ("upload.too_large", 413, len(PDF) - 1)


def test_the_declared_size_counts_even_when_only_the_head_is_passed():
    with pytest.raises(UploadRejected) as info:
        check_upload("a.pdf", None, PDF, 50 * MAX, max_bytes=MAX)
    assert info.value.code == "upload.too_large"


def test_an_empty_upload_is_refused():
    assert rejected("a.pdf", b"").code == "upload.empty"
    with pytest.raises(UploadRejected) as info:
        check_upload("a.pdf", None, b"", 10, max_bytes=MAX)  # no head to judge
    assert info.value.code == "upload.empty"


def test_a_zip_or_office_file_is_not_allowed():
    for name in ("bundle.zip", "contract.docx", "statement.xlsx", "noname"):
        e = rejected(name, ZIP)
        if name == "noname":
            assert e.code == "upload.type_not_allowed"
        assert e.params["detected"] == "application/zip"
        assert e.status == 415


def test_a_zip_named_pdf_is_a_mismatch():
    e = rejected("合同.pdf", ZIP)
    assert e.code == "upload.type_mismatch"
    assert e.params == {
        "source": "extension",
        "claimed": "application/pdf",
        "detected": "application/zip",
    }


def test_html_renamed_pdf_is_a_mismatch():
    e = rejected("借款合同.pdf", HTML, "application/pdf")
    assert e.code == "upload.type_mismatch"
    assert e.params["detected"] == "text/html"
    assert e.status == 415


def test_html_under_its_own_name_is_not_allowed():
    assert rejected("page.html", HTML, "text/html").code == "upload.type_not_allowed"


def test_a_pdf_html_polyglot_is_not_allowed_whatever_it_is_called():
    for name, declared in (("合同.pdf", "application/pdf"), ("x", None)):
        e = rejected(name, POLYGLOT, declared)
        assert (e.code, e.params["detected"]) == ("upload.type_not_allowed", "polyglot")


def test_an_svg_with_a_script_is_refused_even_when_it_claims_to_be_an_image():
    assert rejected("logo.svg", SVG, "image/svg+xml").code == "upload.type_not_allowed"
    e = rejected("logo.png", SVG, "image/png")
    assert (e.code, e.params["detected"]) == ("upload.type_mismatch", "image/svg+xml")


def test_a_png_that_is_a_jpeg_is_a_mismatch():
    e = rejected("收据.png", JPEG)
    assert e.code == "upload.type_mismatch"
    assert (e.params["claimed"], e.params["detected"]) == ("image/png", "image/jpeg")


def test_a_declared_type_that_disagrees_with_the_content_is_a_mismatch():
    e = rejected("scan", PNG, "application/pdf")
    assert (e.code, e.params["source"]) == ("upload.type_mismatch", "declared")
    assert rejected("scan", PDF, "text/html").code == "upload.type_mismatch"


def test_a_pdf_named_as_an_executable_or_a_web_page_is_a_mismatch():
    for name in ("invoice.exe", "invoice.html", "invoice.svg"):
        assert rejected(name, PDF).code == "upload.type_mismatch"


def test_uninformative_declared_types_defer_to_the_content():
    for declared in (None, "", "application/octet-stream", "application/vnd.ms-excel", "nonsense"):
        assert check("表.csv", CSV_TEXT, declared).media_type == "text/csv"


def test_declared_type_parameters_and_common_aliases_are_understood():
    assert check("a.jpg", JPEG, "image/jpg").media_type == "image/jpeg"
    assert check("a.txt", b"hi\n", "text/plain; charset=utf-8").media_type == "text/plain"
    assert check("a.pdf", PDF, "Application/PDF").media_type == "application/pdf"


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("../../etc/passwd", "passwd.pdf"),
        ("..\\..\\Windows\\system32\\evil.pdf", "evil.pdf"),
        ("/absolute/path/合同.pdf", "合同.pdf"),
        ("CON.pdf", "document.pdf"),
        ("con.tar.pdf", "document.pdf"),
        ("LPT1 .pdf", "document.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("...", "document.pdf"),
        ("", "document.pdf"),
        ("合同.pdf", "合同.pdf"),
        ("a\tb\nc.pdf", "a b c.pdf"),
        ("bell\x07.pdf", "bell.pdf"),
        ("\u202eexe.pdf", "exe.pdf"),  # a direction override is dropped
    ],
)
def test_traversal_and_control_characters_in_names_are_neutralised(name, kept):
    assert check(name, PDF).filename == kept


def test_a_nul_in_the_name_is_refused():
    e = rejected("a\x00b.pdf", PDF)
    assert (e.code, e.field, e.params["reason"]) == ("upload.name_invalid", "filename", "nul")
    assert rejected("evil.html\x00.pdf", PDF).code == "upload.name_invalid"


def test_a_name_with_lone_surrogates_or_absurd_length_is_refused():
    assert rejected("bad\udc80.pdf", PDF).params["reason"] == "encoding"
    assert rejected("x" * 5000 + ".pdf", PDF).params["reason"] == "too_long"


def test_a_300_character_name_is_shortened_keeping_its_extension():
    kept = check("合" * 300 + ".pdf", PDF).filename
    assert len(kept) == MAX_NAME_CHARS
    assert kept == "合" * (MAX_NAME_CHARS - 4) + ".pdf"


def test_a_chinese_name_survives_intact_and_nfc():
    decomposed = unicodedata.normalize("NFD", "还款记录 Café 2024年.pdf")
    result = check(decomposed, PDF)
    assert result == UploadCheck("application/pdf", "还款记录 Café 2024年.pdf", len(PDF))


def test_csv_formula_text_is_accepted_as_text():
    # Formula injection (=, +, -, @ at a cell start) is neutralised when we *export* CSV for
    # spreadsheets; an uploaded file is stored as-is and only ever served as an attachment.
    data = b'=HYPERLINK("http://evil","click"),1\n+SUM(A1:A9),2\n@cmd,3\n-1+1,4\n'
    result = check("formulas.csv", data, "text/csv")
    assert (result.media_type, result.filename) == ("text/csv", "formulas.csv")


def test_a_one_column_csv_stays_a_csv_and_plain_text_named_txt_stays_text():
    assert check("ids.csv", b"a\nb\nc\n").media_type == "text/csv"
    assert check("table.txt", CSV_TEXT).media_type == "text/plain"
    assert check("table", CSV_TEXT).filename == "table.csv"


def test_every_accepted_type_passes_with_its_usual_name():
    for name, data, media in [
        ("合同.pdf", PDF, "application/pdf"),
        ("截图.png", PNG, "image/png"),
        ("收据.jpeg", JPEG, "image/jpeg"),
        ("a.gif", GIF, "image/gif"),
        ("a.webp", WEBP, "image/webp"),
        ("记录.txt", "已还款".encode(), "text/plain"),
        ("表.csv", CSV_TEXT, "text/csv"),
    ]:
        result = check(name, data)
        assert (result.media_type, result.filename, result.size) == (media, name, len(data))


def test_an_upload_rejection_is_a_domain_error_with_a_code():
    e = rejected("x.pdf", HTML)
    assert isinstance(e, DomainError)
    assert e.code.startswith("upload.")


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "media", "kept"),
    [
        ("scan.jpeg", "image/png", "scan.png"),
        ("scan.JPG", "image/jpeg", "scan.jpg"),
        ("report.2024", "application/pdf", "report.2024.pdf"),
        ("data.tsv", "text/plain", "data.tsv"),
        ("x.csv", "text/plain", "x.csv"),
        ('a<b>:"c"|d?*.pdf', "application/pdf", "a_b___c__d__.pdf"),
        ("  many    spaces  .pdf", "application/pdf", "many spaces.pdf"),
        ("全角\u3000空格.pdf", "application/pdf", "全角 空格.pdf"),
    ],
)
def test_sanitize_filename_forces_the_extension_and_cleans_the_stem(name, media, kept):
    assert sanitize_filename(name, media) == kept


MEDIA = st.sampled_from(
    [
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/webp",
        "image/gif",
        "text/plain",
        "text/csv",
    ]
)
EXT = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp",
       "image/gif": "gif", "text/plain": "txt", "text/csv": "csv"}  # fmt: skip
NAMES = st.one_of(
    st.text(max_size=400),
    st.text(alphabet=st.sampled_from(list("./\\ \t.合同abcCON1\x00\u202e\u3000:")), max_size=40),
)


@given(NAMES, MEDIA)
def test_sanitized_names_are_safe_bounded_and_stable(name, media):
    kept = sanitize_filename(name, media)
    assert 1 <= len(kept) <= MAX_NAME_CHARS
    assert "/" not in kept and "\\" not in kept
    assert not kept.startswith(".")
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in kept)
    assert kept == unicodedata.normalize("NFC", kept)
    assert kept.rsplit(".", 1)[1] in {EXT[media], "jpeg", "jpe", "jfif", "text", "log", "tsv",
                                      "csv", "txt"}  # fmt: skip
    assert kept.split(".")[0].strip().upper() not in {"CON", "PRN", "AUX", "NUL"}
    assert sanitize_filename(kept, media) == kept


# --- serving --------------------------------------------------------------------------------


@given(NAMES, MEDIA)
def test_download_headers_never_say_inline_and_always_forbid_sniffing(name, media):
    headers = download_headers(name, media)
    disposition = headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "inline" not in disposition.split('filename="')[0]
    fallback = disposition.split('filename="')[1].split('"')[0]
    assert fallback.isascii() and fallback and "\\" not in fallback
    encoded = disposition.split("filename*=UTF-8''")[1]
    assert encoded.isascii() and " " not in encoded and ";" not in encoded and '"' not in encoded
    assert unquote(encoded) == sanitize_filename(name, media)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert headers["Content-Type"].split(";")[0] == media
    assert all("\r" not in v and "\n" not in v for v in headers.values())


def test_download_headers_for_a_chinese_name_give_an_ascii_fallback_and_the_utf8_name():
    headers = download_headers("借款合同 2024.pdf", "application/pdf")
    assert headers["Content-Disposition"] == (
        'attachment; filename="2024.pdf"; '
        "filename*=UTF-8''%E5%80%9F%E6%AC%BE%E5%90%88%E5%90%8C%202024.pdf"
    )
    assert headers["Content-Type"] == "application/pdf"
    assert download_headers("notes", "text/plain")["Content-Type"] == "text/plain; charset=utf-8"


def test_download_headers_serve_an_unknown_type_as_bytes():
    headers = download_headers("page.html", "text/html")
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Disposition"].startswith('attachment; filename="page.bin"')


# --- document kinds -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("contract", DocumentKind.CONTRACT),
        ("Repayment Record", DocumentKind.REPAYMENT_RECORD),
        ("hardship-evidence", DocumentKind.HARDSHIP_EVIDENCE),
        (" RECEIPT ", DocumentKind.RECEIPT),
        ("还款计划表", DocumentKind.SCHEDULE),
        ("对账单", DocumentKind.STATEMENT),
        ("其他", DocumentKind.OTHER),
    ],
)
def test_document_kinds_parse_from_their_code_or_chinese_label(text, kind):
    assert DocumentKind.parse(text) is kind


def test_every_document_kind_parses_from_its_own_value():
    assert [DocumentKind.parse(k.value) for k in DocumentKind] == list(DocumentKind)


def test_an_unknown_document_kind_is_refused_with_a_code():
    with pytest.raises(DomainError) as info:
        DocumentKind.parse("selfie")
    assert (info.value.code, info.value.field) == ("document.kind_unknown", "kind")
