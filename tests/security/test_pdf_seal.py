"""The instance seal on a PDF: sealing, the offline check, every way a sealed file can change."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from functools import cache
from io import BytesIO
from zoneinfo import ZoneInfo

import pypdf
import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from xieshang.domain.errors import DomainError
from xieshang.security.pdf_seal import (
    CERT_NOT_AFTER,
    CERT_NOT_BEFORE,
    MINIMAL_PDF,
    SEAL_FIELD,
    instance_certificate,
    seal_pdf,
    verify_sealed_pdf,
)
from xieshang.security.signing import InstanceKey, SigningKeyError

KEY = InstanceKey(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
OTHER = InstanceKey(Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33))))
AT = datetime(2026, 3, 1, 8, 30, 15, tzinfo=UTC)


@cache
def sealed() -> bytes:
    return seal_pdf(MINIMAL_PDF, KEY, reason="both parties signed", location="Beijing", at=AT)


def byte_range(pdf: bytes) -> tuple[int, int, int, int]:
    found = re.search(rb"/ByteRange \[ ?(\d+) (\d+) (\d+) (\d+) ?\]", pdf)
    assert found is not None
    a, b, c, d = (int(x) for x in found.groups())
    return a, b, c, d


def flipped(pdf: bytes, index: int, mask: int = 0x01) -> bytes:
    changed = bytearray(pdf)
    changed[index] ^= mask
    return bytes(changed)


# -- a good seal ---------------------------------------------------------------------------------


def test_a_sealed_pdf_is_intact_and_made_by_the_instance_key_at_the_stated_time() -> None:
    report = verify_sealed_pdf(sealed(), public_key_pem=KEY.public_key_pem())
    assert report.intact is True
    assert report.signed_by_key is True
    assert report.problems == ()
    assert report.ok is True
    assert report.signed_at == AT
    assert report.signer_name == "Xieshang instance"
    assert report.key_fingerprint == KEY.fingerprint


def test_without_a_key_only_integrity_is_checked_and_the_sealing_key_is_named() -> None:
    report = verify_sealed_pdf(sealed())
    assert (report.intact, report.signed_by_key, report.problems) == (True, None, ())
    assert report.key_fingerprint == hashlib.sha256(KEY.raw_public_key).hexdigest()
    assert KEY.key_id == report.key_fingerprint[:16]


def test_the_seal_is_an_incremental_update_after_the_original_bytes() -> None:
    assert sealed().startswith(MINIMAL_PDF)
    start, first, second, last = byte_range(sealed())
    assert start == 0 and second + last == len(sealed())
    assert first >= len(MINIMAL_PDF)


def test_the_seal_is_an_invisible_signature_field_with_reason_and_location() -> None:
    reader = pypdf.PdfReader(BytesIO(sealed()))
    fields = reader.get_fields() or {}
    assert SEAL_FIELD in fields
    signature = fields[SEAL_FIELD]["/V"]
    assert signature["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature["/Reason"] == "both parties signed"
    assert signature["/Location"] == "Beijing"
    assert signature["/M"].startswith("D:20260301083015")
    widget = reader.pages[0]["/Annots"][0].get_object()
    assert [float(x) for x in widget["/Rect"]] == [0, 0, 0, 0]


def test_the_seal_is_plain_cms_that_an_independent_ed25519_check_accepts() -> None:
    """Not only pyHanko agreeing with itself: the digest of the signed byte ranges is the signed
    messageDigest, and the Ed25519 signature over the signed attributes verifies under the key."""
    pdf = sealed()
    _, first, second, last = byte_range(pdf)
    container = cms.ContentInfo.load(
        bytes.fromhex(pdf[first + 1 : second - 1].decode()), strict=False
    )
    signer = container["content"]["signer_infos"][0]
    assert signer["digest_algorithm"]["algorithm"].native == "sha512"
    assert signer["signature_algorithm"]["algorithm"].native == "ed25519"
    attrs = {a["type"].native: a["values"][0].native for a in signer["signed_attrs"]}
    digest = hashlib.sha512(pdf[:first] + pdf[second : second + last]).digest()
    assert attrs["message_digest"] == digest
    to_verify = signer["signed_attrs"].untag().dump()  # RFC 5652 §5.4: the SET OF, not [0]
    public = Ed25519PublicKey.from_public_bytes(KEY.raw_public_key)
    public.verify(signer["signature"].native, to_verify)  # raises if it does not verify


def test_a_seal_without_a_given_time_carries_the_current_time_to_the_second() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    report = verify_sealed_pdf(seal_pdf(MINIMAL_PDF, KEY, reason="r"))
    after = datetime.now(UTC)
    assert report.signed_at is not None
    assert before <= report.signed_at <= after
    assert report.signed_at.microsecond == 0


def test_a_time_in_another_zone_is_the_same_instant() -> None:
    beijing = AT.astimezone(ZoneInfo("Asia/Shanghai"))
    report = verify_sealed_pdf(seal_pdf(MINIMAL_PDF, KEY, reason="r", at=beijing))
    assert report.signed_at == AT


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        seal_pdf(MINIMAL_PDF, KEY, reason="r", at=datetime(2026, 3, 1))


def test_a_pdf_made_by_pypdf_is_sealed_and_keeps_its_text() -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=300, height=300)
    writer.add_metadata({"/Title": "还款协议"})
    buffer = BytesIO()
    writer.write(buffer)
    pdf = seal_pdf(buffer.getvalue(), KEY, reason="r", at=AT)
    assert verify_sealed_pdf(pdf, public_key_pem=KEY.public_key_pem()).ok
    assert pypdf.PdfReader(BytesIO(pdf)).metadata.title == "还款协议"


def test_a_weasyprint_pdf_with_chinese_text_is_sealed_and_its_text_still_extracts() -> None:
    weasyprint = pytest.importorskip("weasyprint")
    html = "<html><body><h1>协商还款协议</h1><p>甲方：某平台　乙方：李明</p></body></html>"
    original = weasyprint.HTML(string=html).write_pdf()
    pdf = seal_pdf(original, KEY, reason="双方已签署", location="北京", at=AT)
    report = verify_sealed_pdf(pdf, public_key_pem=KEY.public_key_pem())
    assert report.ok, report
    text = pypdf.PdfReader(BytesIO(pdf)).pages[0].extract_text()
    assert "协商还款协议" in text


# -- what sealing refuses ------------------------------------------------------------------------


def test_a_sealed_pdf_cannot_be_sealed_again() -> None:
    with pytest.raises(DomainError) as caught:
        seal_pdf(sealed(), KEY, reason="again", at=AT)
    assert caught.value.code == "seal.already_sealed"


@pytest.mark.parametrize("data", [b"", b"hello", b"%PDF-1.7\nnot really", MINIMAL_PDF[:120]])
def test_something_that_is_not_a_readable_pdf_is_not_sealed(data: bytes) -> None:
    with pytest.raises(DomainError) as caught:
        seal_pdf(data, KEY, reason="r", at=AT)
    assert caught.value.code == "seal.not_a_pdf"


# -- changes after sealing -----------------------------------------------------------------------


def test_a_flipped_byte_inside_the_signed_range_makes_the_seal_invalid() -> None:
    pdf = sealed()
    # inside the original document (a page's MediaBox), which the signature covers
    index = pdf.index(b"200 200")
    report = verify_sealed_pdf(flipped(pdf, index), public_key_pem=KEY.public_key_pem())
    assert report.intact is False
    assert report.signed_by_key is False
    assert report.problems == ("seal.invalid",)


@given(data=st.data())
@settings(max_examples=300)
def test_any_changed_byte_anywhere_in_a_sealed_file_is_detected(data: st.DataObject) -> None:
    pdf = sealed()
    index = data.draw(st.integers(0, len(pdf) - 1), label="index")
    mask = data.draw(st.integers(1, 255), label="mask")
    report = verify_sealed_pdf(flipped(pdf, index, mask), public_key_pem=KEY.public_key_pem())
    assert report.intact is False
    assert report.problems
    assert not report.ok


def test_every_byte_of_the_signature_dictionary_and_container_head_is_covered() -> None:
    """The places no signature covers (the /Contents string: versions, algorithm lists, lengths,
    padding) and the dictionary around it, flipped one byte at a time: all detected."""
    pdf = sealed()
    _, first, second, _ = byte_range(pdf)
    dictionary = pdf.rindex(b"obj", 0, first)
    places = [*range(dictionary, first + 200), *range(second - 200, second + 60)]
    missed = [i for i in places if verify_sealed_pdf(flipped(pdf, i)).intact]
    assert missed == []


def test_a_changed_padding_byte_after_the_signature_container_is_detected() -> None:
    pdf = sealed()
    _, _, second, _ = byte_range(pdf)
    assert pdf[second - 2 : second] == b"0>"  # zero padding before the closing bracket
    report = verify_sealed_pdf(pdf[: second - 2] + b"1>" + pdf[second:])
    assert report.problems == ("seal.invalid",)


@pytest.mark.parametrize(
    "tail", [b"\n", b"%%EOF\n", b"\n% a note added later\n", b"\x00", b"junk", b"%%EOF"]
)
def test_bytes_appended_after_the_seal_are_reported_as_modified_after_signing(tail: bytes) -> None:
    report = verify_sealed_pdf(sealed() + tail, public_key_pem=KEY.public_key_pem())
    assert report.intact is False
    assert report.signed_by_key is True  # the signature itself still verifies
    assert report.problems == ("seal.modified_after_signing",)


def test_an_incremental_update_after_the_seal_is_reported_as_modified_after_signing() -> None:
    writer = pypdf.PdfWriter(BytesIO(sealed()), incremental=True)
    writer.add_metadata({"/Title": "amended later"})
    buffer = BytesIO()
    writer.write(buffer)
    updated = buffer.getvalue()
    assert updated.startswith(sealed()) and len(updated) > len(sealed())
    report = verify_sealed_pdf(updated)
    assert report.problems == ("seal.modified_after_signing",)
    assert report.intact is False


def test_a_pdf_rewritten_whole_after_sealing_no_longer_verifies() -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(BytesIO(sealed())))
    buffer = BytesIO()
    writer.write(buffer)
    report = verify_sealed_pdf(buffer.getvalue())
    assert report.intact is False and report.problems


def test_a_seal_made_with_another_key_is_named_as_such() -> None:
    report = verify_sealed_pdf(sealed(), public_key_pem=OTHER.public_key_pem())
    assert report.intact is True  # nothing changed; it is just not that key's seal
    assert report.signed_by_key is False
    assert report.problems == ("seal.other_key",)
    assert report.ok is False


def test_a_malformed_public_key_is_the_callers_error_not_the_files() -> None:
    with pytest.raises(SigningKeyError) as caught:
        verify_sealed_pdf(sealed(), public_key_pem="not a key")
    assert caught.value.code == "signing.public_key_invalid"


# -- files that are not sealed PDFs --------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "seal.not_a_pdf"),
        (b"PK\x03\x04 a zip file", "seal.not_a_pdf"),
        (b"%PDF-1.7\ngarbage", "seal.damaged"),
        (MINIMAL_PDF, "seal.missing"),
    ],
)
def test_a_file_without_a_readable_seal_gets_a_problem_code(data: bytes, problem: str) -> None:
    report = verify_sealed_pdf(data, public_key_pem=KEY.public_key_pem())
    assert report.problems == (problem,)
    assert report.intact is False
    assert report.signed_by_key is False


@given(data=st.data())
@settings(max_examples=150)
def test_a_truncated_sealed_file_is_reported_never_raised(data: st.DataObject) -> None:
    pdf = sealed()
    cut = data.draw(st.integers(0, len(pdf) - 1), label="cut")
    report = verify_sealed_pdf(pdf[:cut])
    assert report.intact is False
    assert len(report.problems) == 1
    assert report.problems[0].startswith("seal.")


# -- the certificate -----------------------------------------------------------------------------


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def test_the_instance_certificate_is_the_same_bytes_for_the_same_key() -> None:
    again = InstanceKey(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    assert der(instance_certificate(KEY)) == der(instance_certificate(again))
    assert der(instance_certificate(KEY)) != der(instance_certificate(OTHER))
    assert der(instance_certificate(KEY)) != der(instance_certificate(KEY, name="其他实例"))


def test_the_instance_certificate_is_self_signed_for_the_key_with_a_fixed_window() -> None:
    cert = instance_certificate(KEY, name="协商 demo")
    cert.verify_directly_issued_by(cert)
    public = cert.public_key()
    assert isinstance(public, Ed25519PublicKey)
    assert public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == (
        KEY.raw_public_key
    )
    assert cert.subject.rfc4514_string() == "CN=协商 demo" == cert.issuer.rfc4514_string()
    assert cert.not_valid_before_utc == CERT_NOT_BEFORE
    assert cert.not_valid_after_utc == CERT_NOT_AFTER
    assert cert.serial_number == int(KEY.fingerprint[:32], 16) | 1
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False


def test_the_embedded_certificate_is_the_instance_certificate() -> None:
    pdf = sealed()
    _, first, second, _ = byte_range(pdf)
    container = cms.ContentInfo.load(
        bytes.fromhex(pdf[first + 1 : second - 1].decode()), strict=False
    )
    embedded = container["content"]["certificates"][0].chosen.dump()
    assert embedded == der(instance_certificate(KEY))


def test_the_key_never_shows_its_private_half() -> None:
    private_hex = bytes(range(32)).hex()
    for shown in (repr(KEY), str(KEY), KEY.fingerprint, KEY.public_key_pem()):
        assert private_hex not in shown
