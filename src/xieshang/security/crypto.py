"""Encryption at rest: AES-256-GCM under a key ring that rotates.

Sensitive personal data (ID number, phone, bank account) is stored as a *token*::

    version (1 byte) | key-id length (1 byte) | key id (ASCII) | nonce (12 bytes) | ciphertext+tag

The first key of the ring encrypts; every key decrypts, so a new key can be put first and old
tokens re-encrypted at leisure (``needs_rotation`` / ``rotate``).  The token header and a
*context* (the column, e.g. ``b"users.id_number"``) are bound as associated data, so a
ciphertext moved to another column, or given another key id, fails to decrypt instead of
yielding someone else's value.

>>> ring = KeyRing([("k1", bytes(32))])
>>> token = ring.encrypt_text("110101199003071234", context=b"users.id_number")
>>> ring.decrypt_text(token, context=b"users.id_number")
'110101199003071234'
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, overload

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from xieshang.domain.errors import DomainError

from .private_files import PRIVATE_MODE, create_once, too_open

TOKEN_VERSION = 1
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # the GCM standard nonce; random per message (2^32 messages per key is safe)
TAG_BYTES = 16
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")
SPEC_FIELD = "secret_keys"


class KeyRingError(DomainError):
    """A key ring specification (or key file) the instance cannot use.

    The parameters name the entry (``position``, ``key_id``), never key material.
    """

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, field=SPEC_FIELD, **params)


class DecryptionError(Exception):
    """A token that cannot be opened: tampered, wrong context, unknown key or malformed.

    Deliberately *not* a DomainError: it is an integrity failure of stored data, never bad
    input from a user, so faces must not present it as a 4xx.
    """

    code = "crypto.decryption_failed"

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"{self.code}: {reason}")


def _check_key_id(key_id: str, position: int) -> None:
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
        raise KeyRingError("keyring.bad_key_id", position=position, key_id=str(key_id)[:40])


def _check_key(key: bytes, key_id: str, position: int) -> None:
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        length = len(key) if isinstance(key, bytes) else None
        raise KeyRingError(
            "keyring.bad_key_length",
            position=position,
            key_id=key_id,
            length=length,
            expected=KEY_BYTES,
        )


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    """Strict base64url: the URL-safe alphabet only, padding optional."""
    if not _BASE64URL.fullmatch(text):
        raise ValueError("not base64url")
    bare = text.rstrip("=")
    return base64.urlsafe_b64decode(bare + "=" * (-len(bare) % 4))


class KeyRing:
    """AES-256-GCM keys by id: the first encrypts, all decrypt.

    >>> ring = KeyRing([("new", b"n" * 32), ("old", b"o" * 32)])
    >>> ring.current_key_id, ring.key_ids
    ('new', ('new', 'old'))
    """

    __slots__ = ("_ciphers", "_current")

    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise KeyRingError("keyring.empty")
        ciphers: dict[str, AESGCM] = {}
        for position, (key_id, key) in enumerate(keys, start=1):
            _check_key_id(key_id, position)
            _check_key(key, key_id, position)
            if key_id in ciphers:
                raise KeyRingError("keyring.duplicate_key_id", position=position, key_id=key_id)
            ciphers[key_id] = AESGCM(key)
        self._ciphers = ciphers
        self._current = keys[0][0]

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        """Read ``"id:base64url,id2:base64url"`` (the first entry encrypts).

        >>> KeyRing.parse("a:" + "A" * 43 + ", b:" + "B" * 43).key_ids
        ('a', 'b')
        >>> try:
        ...     KeyRing.parse("a:c2hvcnQ")
        ... except KeyRingError as e:
        ...     print(e.code, e.params["key_id"], e.params["length"])
        keyring.bad_key_length a 5
        """
        entries = [entry.strip() for entry in spec.split(",")]
        if entries == [""]:
            raise KeyRingError("keyring.empty")
        keys: list[tuple[str, bytes]] = []
        for position, entry in enumerate(entries, start=1):
            key_id, colon, encoded = entry.partition(":")
            if not colon:
                raise KeyRingError("keyring.entry_malformed", position=position)
            key_id, encoded = key_id.strip(), encoded.strip()
            _check_key_id(key_id, position)
            try:
                key = _b64url_decode(encoded)
            except (ValueError, binascii.Error):
                raise KeyRingError(
                    "keyring.bad_key_encoding", position=position, key_id=key_id
                ) from None
            keys.append((key_id, key))
        return cls(keys)

    @staticmethod
    def generate_spec(key_id: str = "k1") -> str:
        """A fresh one-key specification, ``"<key_id>:<43 base64url characters>"``.

        >>> spec = KeyRing.generate_spec("k2")
        >>> spec.startswith("k2:"), len(spec), KeyRing.parse(spec).current_key_id
        (True, 46, 'k2')
        """
        _check_key_id(key_id, 1)
        return f"{key_id}:{_b64url_encode(secrets.token_bytes(KEY_BYTES))}"

    @property
    def current_key_id(self) -> str:
        return self._current

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._ciphers)

    def __repr__(self) -> str:  # never the key material
        return f"KeyRing(key_ids={self.key_ids!r})"

    # -- bytes ------------------------------------------------------------------------------

    def encrypt(self, plaintext: bytes, *, context: bytes) -> bytes:
        """Encrypt under the current key with a fresh random nonce, bound to ``context``.

        >>> ring = KeyRing([("k1", bytes(32))])
        >>> token = ring.encrypt(b"secret", context=b"t.c")
        >>> token[:4], len(token) == 1 + 1 + 2 + 12 + len(b"secret") + 16
        (b'\\x01\\x02k1', True)
        """
        _check_context(context)
        header = _header(self._current)
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self._current].encrypt(nonce, plaintext, header + context)
        return header + nonce + sealed

    def decrypt(self, token: bytes, *, context: bytes) -> bytes:
        """Open a token; any tampering, another context or an unknown key → DecryptionError."""
        _check_context(context)
        key_id, header_len = _read_header(token)
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise DecryptionError(f"unknown key id {key_id!r}")
        nonce = token[header_len : header_len + NONCE_BYTES]
        sealed = token[header_len + NONCE_BYTES :]
        if len(sealed) < TAG_BYTES:
            raise DecryptionError("token too short")
        try:
            return cipher.decrypt(nonce, sealed, token[:header_len] + context)
        except InvalidTag:
            raise DecryptionError("authentication failed (tampered or wrong context)") from None

    # -- text -------------------------------------------------------------------------------

    def encrypt_text(self, text: str, *, context: bytes) -> str:
        """Encrypt a str; the token comes back as base64url ASCII (no padding) for a text column."""
        return _b64url_encode(self.encrypt(text.encode("utf-8"), context=context))

    def decrypt_text(self, token: str, *, context: bytes) -> str:
        plaintext = self.decrypt(_token_bytes(token), context=context)
        try:
            return plaintext.decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptionError("plaintext is not UTF-8 text") from None

    # -- rotation ---------------------------------------------------------------------------

    def needs_rotation(self, token: bytes | str) -> bool:
        """True when the token was sealed under a key other than the current one (a malformed
        token raises DecryptionError).

        >>> old, new = KeyRing([("k1", bytes(32))]), KeyRing([("k2", b"2" * 32), ("k1", bytes(32))])
        >>> token = old.encrypt(b"x", context=b"c")
        >>> new.needs_rotation(token), new.needs_rotation(new.rotate(token, context=b"c"))
        (True, False)
        """
        raw = _token_bytes(token) if isinstance(token, str) else token
        key_id, _ = _read_header(raw)
        return key_id != self._current

    @overload
    def rotate(self, token: bytes, *, context: bytes) -> bytes: ...
    @overload
    def rotate(self, token: str, *, context: bytes) -> str: ...
    def rotate(self, token: bytes | str, *, context: bytes) -> bytes | str:
        """Re-encrypt under the current key, in the token's own form (bytes or text).

        A token already under the current key is returned unchanged (no needless write).
        """
        if not self.needs_rotation(token):
            return token
        if isinstance(token, str):
            return self.encrypt_text(self.decrypt_text(token, context=context), context=context)
        return self.encrypt(self.decrypt(token, context=context), context=context)


def _check_context(context: bytes) -> None:
    # An empty context would let a ciphertext move between columns unnoticed.
    if not isinstance(context, bytes) or not context:
        raise ValueError("context must be non-empty bytes, e.g. b'users.id_number'")


def _header(key_id: str) -> bytes:
    raw_id = key_id.encode("ascii")
    return bytes((TOKEN_VERSION, len(raw_id))) + raw_id


def _read_header(token: bytes) -> tuple[str, int]:
    """The key id and the header length, or DecryptionError for anything malformed."""
    if not isinstance(token, bytes) or len(token) < 2:
        raise DecryptionError("token too short")
    if token[0] != TOKEN_VERSION:
        raise DecryptionError(f"unknown token version {token[0]}")
    end = 2 + token[1]
    try:
        key_id = token[2:end].decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError("malformed key id") from None
    if len(token) < end or not _KEY_ID.fullmatch(key_id):
        raise DecryptionError("malformed key id")
    return key_id, end


def _token_bytes(token: str) -> bytes:
    try:
        return _b64url_decode(token)
    except (ValueError, binascii.Error):
        raise DecryptionError("text token is not base64url") from None


# -- the key ring's home -------------------------------------------------------------------------


class KeySettings(Protocol):
    """What ``load_or_create_key_spec`` reads from ``xieshang.settings.Settings``.

    A protocol, because the security layer may not import the composition root's module.
    """

    @property
    def secret_keys(self) -> str: ...

    @property
    def key_file(self) -> Path: ...


KEY_FILE_MODE = PRIVATE_MODE


def load_or_create_key_spec(settings: KeySettings) -> str:
    """The key ring specification: ``settings.secret_keys`` when set, else the key file.

    A missing key file is created with one fresh key (parent folders too; mode 0600; written
    atomically, and never over a file another process created meanwhile), so a local install
    needs no configuration.  An existing file is read, never replaced: losing it would lose
    every encrypted value.  The spec is parsed before it is returned, so a bad one fails here.
    """
    if settings.secret_keys.strip():
        spec = settings.secret_keys.strip()
        KeyRing.parse(spec)
        return spec
    path = settings.key_file
    if not path.exists():
        create_once(path, (KeyRing.generate_spec() + "\n").encode("ascii"))
    return _read_key_file(path)


def _read_key_file(path: Path) -> str:
    if too_open(path):
        raise KeyRingError("keyring.file_too_open", path=str(path))
    spec = path.read_text(encoding="ascii").strip()
    KeyRing.parse(spec)
    return spec
