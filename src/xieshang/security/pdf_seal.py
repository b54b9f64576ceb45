"""The instance's seal on a PDF (a PDF signature with the instance key), and its offline check.

When both parties have signed an agreement, the instance seals the agreement PDF: an incremental
update adds an invisible signature field ``XieshangSeal`` holding a CMS signature (PAdES
subfilter ``ETSI.CAdES.detached``, SHA-512 as RFC 8419 requires for Ed25519, no timestamp
server, no network) made with the instance's Ed25519 key, and embeds a self-signed certificate
for that key.  :func:`verify_sealed_pdf` checks such a file with nothing but its bytes and,
optionally, the instance's public key PEM.

>>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
>>> from datetime import UTC, datetime
>>> key = InstanceKey(Ed25519PrivateKey.from_private_bytes(bytes(32)))
>>> sealed = seal_pdf(MINIMAL_PDF, key, reason="test", at=datetime(2026, 3, 1, tzinfo=UTC))
>>> report = verify_sealed_pdf(sealed, public_key_pem=key.public_key_pem())
>>> report.intact, report.signed_by_key, report.problems, report.signed_at.isoformat()
(True, True, (), '2026-03-01T00:00:00+00:00')
>>> verify_sealed_pdf(sealed + b"\\n% added later\\n").problems
('seal.modified_after_signing',)

What a seal proves, and what it does not
----------------------------------------
It proves that the file is byte for byte what the holder of the instance key sealed, and that
the sealer's clock said ``signed_at`` (the signed ``/M`` entry; no timestamp authority vouches
for it).  It does not prove who agreed: the parties' own signatures are the signature records in
the case log (password or TOTP re-entered, consent text, the document's SHA-256).  The key is the
instance's, held on its server, so anyone who can read the key file can seal; the certificate is
self-signed, not issued by a CA, so the seal is not a reliable electronic signature
(可靠的电子签名) in the sense of the 电子签名法 on its own.  Trust is "this key": compare the
fingerprint with the one the instance published when the agreement was signed.

Viewers: EdDSA in PDF is ISO/TS 32002 (2022).  pyHanko verifies it; some desktop viewers and
OpenSSL 3.0's ``cms -verify`` do not support Ed25519 in CMS yet and show the seal as unknown.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from asn1crypto import algos as asn1_algos  # type: ignore[import-untyped]
from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from xieshang.domain.errors import DomainError

from .signing import InstanceKey, fingerprint_of_raw_public_key, raw_public_key_from_pem

# pyHanko logs warnings about every oddity of a damaged file; the report already says what is
# wrong, so these must not reach a terminal through logging's last-resort handler.  With a
# handler of their own they still propagate to whatever the application configured.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

SEAL_FIELD = "XieshangSeal"
DEFAULT_NAME = "Xieshang instance"
DIGEST = "sha512"  # RFC 8419 §3.1: Ed25519 with signed attributes uses SHA-512
# A fixed window makes the certificate a pure function of the key (and the name): the same key
# always yields the same certificate bytes, so the certificate needs no storage of its own.
CERT_NOT_BEFORE = datetime(2020, 1, 1, tzinfo=UTC)
CERT_NOT_AFTER = datetime(2120, 1, 1, tzinfo=UTC)
PDF_HEADER_WINDOW = 1024  # PDF readers accept the "%PDF-" header within the first KiB

# The smallest PDF a viewer opens (one empty page): for examples and tests.
MINIMAL_PDF = (
    b"%PDF-1.7\n"
    b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
    b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>\nendobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
    b"0000000115 00000 n \ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n"
)


# -- the certificate -----------------------------------------------------------------------------


def instance_certificate(key: InstanceKey, *, name: str = DEFAULT_NAME) -> x509.Certificate:
    """A self-signed X.509 certificate for the instance key, the same bytes for the same key.

    Serial = the first 16 bytes of the public key's SHA-256 (odd, so never zero); validity
    2020-01-01..2120-01-01; subject = issuer = CN ``name``; key usage digitalSignature and
    nonRepudiation (critical); not a CA.  Ed25519 signatures are deterministic, so nothing in
    the certificate depends on when it was made.
    """
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    public = Ed25519PublicKey.from_public_bytes(key.raw_public_key)
    digest = hashlib.sha256(key.raw_public_key).digest()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(int.from_bytes(digest[:16], "big") | 1)
        .not_valid_before(CERT_NOT_BEFORE)
        .not_valid_after(CERT_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier(digest[:20]), critical=False)
    )
    return key.sign_certificate(builder)


def _asn1_certificate(cert: x509.Certificate) -> Any:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class _InstanceSigner(Signer):
    """A pyHanko signer whose raw signature is ``InstanceKey.sign``: pure Ed25519 over the DER
    of the signed attributes, computed inside ``InstanceKey`` (the key never leaves it)."""

    def __init__(self, key: InstanceKey, certificate: Any) -> None:
        super().__init__(signing_cert=certificate, embed_roots=True)
        self._key = key

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        return self._key.sign(data)


class _SignerAt(signers.PdfSigner):
    """``PdfSigner`` with the signing time given instead of read from the system clock."""

    def __init__(self, meta: signers.PdfSignatureMetadata, signer: Signer, at: datetime) -> None:
        super().__init__(meta, signer)
        self._at = at

    def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
        session: PdfSigningSession = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._at
        return session


# -- sealing -------------------------------------------------------------------------------------


def seal_pdf(
    pdf: bytes,
    key: InstanceKey,
    *,
    reason: str,
    location: str | None = None,
    at: datetime | None = None,
) -> bytes:
    """``pdf`` with the instance's seal appended as an incremental update (the original bytes
    are kept as the file's first part).

    ``at`` (timezone-aware; default now, UTC) is written as the signature's ``/M`` time, to the
    second.  A file that is not a readable PDF raises ``seal.not_a_pdf``; one that already
    carries a seal raises ``seal.already_sealed``.  Runs pyHanko's coroutine to completion, so
    call it from synchronous code (a service), not from inside a running event loop.
    """
    when = datetime.now(UTC) if at is None else at
    if when.tzinfo is None:
        raise ValueError("seal time must be timezone-aware")
    when = when.replace(microsecond=0)
    if not _looks_like_pdf(pdf):
        raise DomainError("seal.not_a_pdf", field="pdf")
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        already = any(s.field_name == SEAL_FIELD for s in writer.prev.embedded_signatures)
    except Exception:  # pyHanko's parser raises many kinds of error on a malformed file
        raise DomainError("seal.not_a_pdf", field="pdf") from None
    if already:
        raise DomainError("seal.already_sealed", field="pdf")
    meta = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        reason=reason,
        location=location,
        md_algorithm=DIGEST,
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    signer = _InstanceSigner(key, _asn1_certificate(instance_certificate(key)))
    output = _SignerAt(meta, signer, when).sign_pdf(writer, output=BytesIO())
    sealed: bytes = output.getvalue()
    return sealed


# -- verifying -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SealReport:
    """What :func:`verify_sealed_pdf` found.

    ``intact``: the seal's signature is cryptographically valid and covers the whole file.
    ``signed_by_key``: the signature verifies under the public key given (``None`` when no key
    was given).  ``key_fingerprint``: SHA-256 of the sealing key's raw public key (hex), taken
    from the embedded certificate.  ``problems``: dotted message codes, empty when all is well.
    """

    intact: bool
    signed_by_key: bool | None
    signed_at: datetime | None
    signer_name: str | None
    key_fingerprint: str | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.intact and self.signed_by_key is not False and not self.problems


def verify_sealed_pdf(pdf: bytes, *, public_key_pem: str | None = None) -> SealReport:
    """Check the instance seal of ``pdf`` offline (no revocation or timestamp look-ups).

    Problem codes: ``seal.not_a_pdf`` (no PDF header), ``seal.damaged`` (cannot be read as a
    PDF), ``seal.missing`` (no ``XieshangSeal`` signature), ``seal.invalid`` (the signature or
    its container does not verify), ``seal.modified_after_signing`` (valid, but bytes follow the
    sealed revision), ``seal.other_key`` (valid, but made with another key than
    ``public_key_pem``).  A malformed ``public_key_pem`` raises ``signing.public_key_invalid``:
    that is the caller's input, not the file's.
    """
    expected = None if public_key_pem is None else raw_public_key_from_pem(public_key_pem)
    unknown = None if expected is None else False

    def failed(problem: str) -> SealReport:
        return SealReport(False, unknown, None, None, None, (problem,))

    if not _looks_like_pdf(pdf):
        return failed("seal.not_a_pdf")
    try:
        reader = PdfFileReader(BytesIO(pdf))
        seals = [s for s in reader.embedded_signatures if s.field_name == SEAL_FIELD]
    except Exception:  # any parser error on a damaged file is the same answer: unreadable
        earlier = _sealed_prefix(pdf, public_key_pem)
        return earlier if earlier is not None else failed("seal.damaged")
    if not seals:
        return failed("seal.missing")
    seal = seals[-1]
    try:
        certificate = seal.signer_cert
        raw_key = bytes(certificate.public_key["public_key"].native)
        algorithm = certificate.public_key.algorithm
        signer_name = _common_name(certificate)
        context = ValidationContext(
            trust_roots=[certificate], allow_fetching=False, revocation_mode="soft-fail"
        )
        status = validate_pdf_signature(seal, context)
        valid = bool(status.intact and status.valid) and _container_is_as_sealed(seal.pkcs7_content)
        whole = (
            status.coverage == SignatureCoverageLevel.ENTIRE_FILE
            and _byte_range_reaches_the_end(seal.byte_range, seal.pkcs7_content, pdf)
        )
        signed_at = _aware(status.signer_reported_dt)
    except Exception:  # a mangled CMS container or certificate: the seal does not verify
        return failed("seal.invalid")
    problems: list[str] = []
    if not valid:
        problems.append("seal.invalid")
    elif not whole:
        problems.append("seal.modified_after_signing")
    same_key = expected is not None and algorithm == "ed25519" and raw_key == expected
    if expected is not None and not same_key:
        problems.append("seal.other_key")
    return SealReport(
        intact=valid and whole,
        signed_by_key=None if expected is None else (valid and same_key),
        signed_at=signed_at,
        signer_name=signer_name,
        key_fingerprint=fingerprint_of_raw_public_key(raw_key),
        problems=tuple(problems),
    )


_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*0\s+(\d{1,12})\s+(\d{1,12})\s+(\d{1,12})\s*\]")


def _sealed_prefix(pdf: bytes, public_key_pem: str | None) -> SealReport | None:
    """For a file that no longer reads as a PDF: if it starts with an intact sealed file (bytes
    were appended that broke its end, say a stray ``%%EOF``), the report of that file, with
    ``seal.modified_after_signing``; otherwise ``None``."""
    for found in reversed(list(_BYTE_RANGE.finditer(pdf))):
        end = int(found.group(2)) + int(found.group(3))
        if end >= len(pdf):
            continue
        earlier = verify_sealed_pdf(pdf[:end], public_key_pem=public_key_pem)
        if earlier.intact:
            return replace(earlier, intact=False, problems=("seal.modified_after_signing",))
    return None


def _looks_like_pdf(data: bytes) -> bool:
    return isinstance(data, bytes) and b"%PDF-" in data[:PDF_HEADER_WINDOW]


def _common_name(certificate: Any) -> str | None:
    native = certificate.subject.native
    name = native.get("common_name") or native.get("organization_name")
    return str(name) if name else None


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _container_is_as_sealed(contents: bytes) -> bool:
    """The ``/Contents`` string is exactly the CMS container :func:`seal_pdf` writes, then zero
    padding: rebuilt from the parts the signature binds (signed attributes, signature value,
    certificate) with every unsigned field at the value we write, it must give the same bytes.

    A CMS container has fields no signature covers (versions, the digest algorithm list, length
    encodings, padding); without this check a changed byte there would leave the seal "valid"
    although the file is no longer the one sealed.  The embedded certificate must carry a valid
    self-signature, so none of its bytes can change either.
    """
    info = asn1_cms.ContentInfo.load(contents, strict=False)
    der = info.dump()
    if not contents.startswith(der) or contents[len(der) :].strip(b"\x00"):
        return False
    signed = info["content"]
    if len(signed["signer_infos"]) != 1 or len(signed["certificates"]) != 1:
        return False
    signer = signed["signer_infos"][0]
    certificate = signed["certificates"][0].chosen
    own = x509.load_der_x509_certificate(certificate.dump())
    own.verify_directly_issued_by(own)  # raises when the certificate was altered
    sha512 = asn1_algos.DigestAlgorithm({"algorithm": DIGEST})
    rebuilt = asn1_cms.ContentInfo(
        {
            "content_type": "signed_data",
            "content": asn1_cms.SignedData(
                {
                    "version": "v1",
                    "digest_algorithms": [sha512],
                    "encap_content_info": {"content_type": "data"},
                    "certificates": [certificate],
                    "signer_infos": [
                        asn1_cms.SignerInfo(
                            {
                                "version": "v1",
                                "sid": asn1_cms.SignerIdentifier(
                                    {
                                        "issuer_and_serial_number": {
                                            "issuer": certificate.issuer,
                                            "serial_number": certificate.serial_number,
                                        }
                                    }
                                ),
                                "digest_algorithm": sha512,
                                "signed_attrs": signer["signed_attrs"],
                                "signature_algorithm": {"algorithm": "ed25519"},
                                "signature": signer["signature"].native,
                            }
                        )
                    ],
                }
            ),
        }
    )
    return bool(rebuilt.dump() == der)


_HEX_STRING = re.compile(rb"^<[0-9A-Fa-f]*>$")


def _byte_range_reaches_the_end(byte_range: Any, contents: bytes, pdf: bytes) -> bool:
    """``[0, a, b, c]`` whose gap ``pdf[a:b]`` is exactly the hex ``/Contents`` string and whose
    end ``b + c`` is the file's end: nothing unsigned in the file but the signature itself."""
    if len(byte_range) != 4 or byte_range[0] != 0:
        return False
    _, first, second, last = (int(x) for x in byte_range)
    gap = pdf[first:second]
    return (
        _HEX_STRING.match(gap) is not None
        and bytes.fromhex(gap[1:-1].decode("ascii")) == contents
        and second + last == len(pdf)
    )
