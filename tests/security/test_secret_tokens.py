"""Opaque tokens: random, URL-safe, stored only as SHA-256 hashes, compared in constant time."""

from __future__ import annotations

import hashlib
import re

from hypothesis import given
from hypothesis import strategies as st

from xieshang.security.tokens import constant_time_equal, new_token, token_hash


def test_new_tokens_are_url_safe_256_bit_and_never_repeat() -> None:
    tokens = [new_token() for _ in range(200)]
    assert len(set(tokens)) == 200
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)


def test_a_token_hash_is_the_sha256_hex_of_its_utf8_bytes() -> None:
    token = new_token()
    assert token_hash(token) == hashlib.sha256(token.encode()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", token_hash(token))
    assert token not in token_hash(token)
    assert token_hash("令牌") == hashlib.sha256("令牌".encode()).hexdigest()


@given(st.text(), st.text())
def test_constant_time_equal_agrees_with_plain_equality_for_text(a: str, b: str) -> None:
    assert constant_time_equal(a, b) is (a == b)
    assert constant_time_equal(a, a)


@given(st.binary(), st.binary())
def test_constant_time_equal_agrees_with_plain_equality_for_bytes(a: bytes, b: bytes) -> None:
    assert constant_time_equal(a, b) is (a == b)


def test_text_and_its_utf8_bytes_compare_equal() -> None:
    assert constant_time_equal("abc", b"abc")
    assert constant_time_equal("协商", "协商".encode())
    assert not constant_time_equal("abc", b"abd")
