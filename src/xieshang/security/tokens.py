"""Opaque secret tokens (sessions, API bearer tokens, reset links): only their hashes are stored.

A token carries 256 random bits, so a plain SHA-256 of it is enough to store (no salt or slow
hash is needed against guessing); a stolen database then yields no usable token.

>>> token = new_token()
>>> len(token), len(token_hash(token))
(43, 64)
>>> constant_time_equal(token_hash(token), token_hash(token))
True
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32


def new_token() -> str:
    """43 URL-safe characters carrying 256 random bits."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """SHA-256 of the token's UTF-8 bytes, as 64 lowercase hex digits.

    >>> token_hash("abc")
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def constant_time_equal(a: str | bytes, b: str | bytes) -> bool:
    """Equality whose time does not depend on where the values first differ.

    Text is compared as UTF-8 (``hmac.compare_digest`` refuses non-ASCII str).

    >>> constant_time_equal("令牌", "令牌"), constant_time_equal(b"a", "b")
    (True, False)
    """
    left = a.encode("utf-8") if isinstance(a, str) else a
    right = b.encode("utf-8") if isinstance(b, str) else b
    return hmac.compare_digest(left, right)
