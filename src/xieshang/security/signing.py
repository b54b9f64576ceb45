"""The instance's Ed25519 key: it signs evidence receipts and checkpoints.

A receipt (``xieshang.domain.evidence.receipt_message``) signed here can be checked years later,
offline, with nothing but the bundle and the instance's public key in PEM form
(:func:`public_verifier`); the verifier answers ``True``/``False`` and never raises for a bad
signature, which is exactly the ``verify(message, signature)`` callable the domain expects.

>>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
>>> key = InstanceKey(Ed25519PrivateKey.generate())
>>> signature = key.sign(b"head 3")
>>> check = public_verifier(key.public_key_pem())
>>> check(b"head 3", signature), check(b"head 4", signature), len(key.key_id)
(True, False, 16)

Where the key lives, and what protects it
-----------------------------------------
``data_dir / "instance-ed25519.pem"``: an unencrypted PKCS#8 PEM, created on first use with mode
0600 (atomically; when several processes start at once they all end up with the same key) and
never replaced afterwards.  The file is deliberately not encrypted with a passphrase: a service
that signs unattended would have to keep that passphrase next to the key anyway.  The file
permission is therefore the whole protection, which implies:

* anyone who can read the file as the service user (or root, or a backup of ``data_dir``) can
  sign receipts in the instance's name: back it up as carefully as the secret-key file;
* a file that other users can read is refused (``signing.key_file_too_open``), like ssh does;
* a signature proves that *this instance* issued the receipt, never that a borrower or a lender
  signed anything themselves — the key is the instance's, not theirs;
* losing the file does not lose data, but receipts signed before can then only be checked with
  the old public key, so the public key PEM should be published and kept with every bundle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from xieshang.domain.errors import DomainError

from .private_files import PRIVATE_MODE, create_once, too_open

KEY_FILE_NAME = "instance-ed25519.pem"
KEY_FILE_MODE = PRIVATE_MODE
KEY_ID_HEX = 16  # 64 bits of the public key's SHA-256: a label, not a security boundary

Verifier = Callable[[bytes, bytes], bool]


class SigningKeyError(DomainError):
    """A signing key (the instance's key file, or a public key given to verify) that is unusable.

    The parameters name the file, never key material.
    """


def _raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint_of_raw_public_key(raw: bytes) -> str:
    """The SHA-256 of the 32 raw public key bytes, in hex: what a party keeps to recognise the
    key later (``key_id`` is its first 16 characters).

    >>> fingerprint_of_raw_public_key(bytes(32))[:16]
    '66687aadf862bd77'
    """
    return hashlib.sha256(raw).hexdigest()


def raw_public_key_from_pem(pem: str) -> bytes:
    """The 32 raw bytes of an Ed25519 public key given as PEM; anything else raises
    ``signing.public_key_invalid``."""
    try:
        public = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, TypeError, UnicodeError, UnsupportedAlgorithm):
        raise SigningKeyError("signing.public_key_invalid", field="public_key") from None
    if not isinstance(public, Ed25519PublicKey):
        raise SigningKeyError("signing.public_key_invalid", field="public_key")
    return _raw_public(public)


def _verifier_for(public: Ed25519PublicKey) -> Verifier:
    def verify(message: bytes, signature: bytes) -> bool:
        if not isinstance(message, bytes) or not isinstance(signature, bytes):
            return False
        try:
            public.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    return verify


class InstanceKey:
    """The instance's Ed25519 private key, with the few operations services need."""

    __slots__ = ("_private", "_public", "key_id")

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self._public = private.public_key()
        # Stable for the key's life: the same key always has the same id.
        self.key_id = self.fingerprint[:KEY_ID_HEX]

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message`` (deterministic for a given key)."""
        return self._private.sign(message)

    def public_key_pem(self) -> str:
        """The public key as SubjectPublicKeyInfo PEM text, for bundles and offline checks."""
        return self._public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def verifier(self) -> Verifier:
        """``verify(message, signature) -> bool`` under this key's public half."""
        return _verifier_for(self._public)

    @property
    def raw_public_key(self) -> bytes:
        """The 32 raw bytes of the public key."""
        return _raw_public(self._public)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the raw public key, 64 hex digits (``key_id`` is its first 16)."""
        return fingerprint_of_raw_public_key(self.raw_public_key)

    def sign_certificate(self, builder: x509.CertificateBuilder) -> x509.Certificate:
        """``builder`` signed with this key (Ed25519 takes no separate hash): the seal's
        self-signed certificate is made here so that the private key never leaves this object."""
        return builder.sign(self._private, None)

    def __repr__(self) -> str:  # never the key material
        return f"InstanceKey(key_id={self.key_id!r})"


def public_verifier(pem: str) -> Verifier:
    """A ``verify(message, signature) -> bool`` from a public key PEM alone (offline).

    A malformed PEM, or a key that is not Ed25519, raises ``signing.public_key_invalid``;
    a wrong signature is just ``False``.

    >>> public_verifier("not a key")
    Traceback (most recent call last):
    ...
    xieshang.security.signing.SigningKeyError: signing.public_key_invalid [public_key]
    """
    return _verifier_for(Ed25519PublicKey.from_public_bytes(raw_public_key_from_pem(pem)))


# -- the key's home ------------------------------------------------------------------------------


class SigningSettings(Protocol):
    """What :func:`load_or_create_instance_key` reads from ``xieshang.settings.Settings``."""

    @property
    def data_dir(self) -> Path: ...


def instance_key_path(settings: SigningSettings) -> Path:
    return settings.data_dir / KEY_FILE_NAME


def load_or_create_instance_key(settings: SigningSettings) -> InstanceKey:
    """The instance key from ``data_dir``, created (mode 0600, atomically) when missing.

    An existing file is read, never replaced; one that others can read, or that does not hold
    an Ed25519 private key, is refused.
    """
    path = instance_key_path(settings)
    if not path.exists():
        _create_key_file(path)
    return _read_key_file(path)


def load_instance_key(settings: SigningSettings) -> InstanceKey | None:
    """The instance key from ``data_dir`` if its file exists, else ``None``: never creates one
    (checking a seal must not mint a new key that then looks like "the instance's")."""
    path = instance_key_path(settings)
    if not path.exists():
        return None
    return _read_key_file(path)


def _read_key_file(path: Path) -> InstanceKey:
    if too_open(path):
        raise SigningKeyError("signing.key_file_too_open", field="instance_key", path=str(path))
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        private = None
    if not isinstance(private, Ed25519PrivateKey):
        raise SigningKeyError("signing.key_file_invalid", field="instance_key", path=str(path))
    return InstanceKey(private)


def _create_key_file(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),  # the file mode is the protection: see the module doc
    )
    create_once(path, pem)
