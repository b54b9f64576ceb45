"""TOTP second factor: RFC 6238 codes, a ±1 step window and no replay, at fixed instants."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from xieshang.security.totp import (
    new_totp_secret,
    provisioning_uri,
    totp_code,
    totp_step,
    verify_totp,
)

# RFC 6238 appendix B uses the ASCII secret "12345678901234567890" for SHA-1.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
AT = datetime(2024, 3, 7, 9, 30, 15, tzinfo=UTC)  # 15 s into its step
STEP = timedelta(seconds=30)


@pytest.mark.parametrize(
    ("unix_time", "eight_digits"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_codes_match_the_rfc_6238_sha1_vectors(unix_time: int, eight_digits: str) -> None:
    at = datetime.fromtimestamp(unix_time, tz=UTC)
    assert totp_code(RFC_SECRET, at) == eight_digits[-6:]


def test_the_current_step_is_accepted_and_returned() -> None:
    code = totp_code(SECRET, AT)
    assert verify_totp(SECRET, code, at=AT, last_used_step=None) == totp_step(AT)
    assert totp_step(AT) == int(AT.timestamp()) // 30


def test_a_code_from_the_previous_or_next_step_is_accepted() -> None:
    previous = totp_code(SECRET, AT - STEP)
    following = totp_code(SECRET, AT + STEP)
    assert verify_totp(SECRET, previous, at=AT, last_used_step=None) == totp_step(AT) - 1
    assert verify_totp(SECRET, following, at=AT, last_used_step=None) == totp_step(AT) + 1


def test_codes_two_or_more_steps_away_are_refused() -> None:
    for offset in (-10, -3, -2, 2, 3, 10):
        far = totp_code(SECRET, AT + offset * STEP)
        assert far != totp_code(SECRET, AT)
        assert verify_totp(SECRET, far, at=AT, last_used_step=None) is None


def test_the_window_is_measured_in_steps_not_seconds() -> None:
    start = datetime.fromtimestamp(totp_step(AT) * 30, tz=UTC)  # first second of the step
    end = start + timedelta(seconds=29)
    code = totp_code(SECRET, start - STEP)
    assert verify_totp(SECRET, code, at=end, last_used_step=None) == totp_step(AT) - 1
    assert verify_totp(SECRET, code, at=end + timedelta(seconds=1), last_used_step=None) is None


def test_a_used_step_cannot_be_replayed_even_within_its_30_seconds() -> None:
    code = totp_code(SECRET, AT)
    used = verify_totp(SECRET, code, at=AT, last_used_step=None)
    assert used is not None
    assert verify_totp(SECRET, code, at=AT, last_used_step=used) is None
    assert verify_totp(SECRET, code, at=AT + timedelta(seconds=10), last_used_step=used) is None


def test_a_code_older_than_the_last_used_step_is_refused_but_a_newer_one_is_accepted() -> None:
    used = totp_step(AT)
    older = totp_code(SECRET, AT - STEP)
    assert verify_totp(SECRET, older, at=AT, last_used_step=used) is None
    newer = totp_code(SECRET, AT + STEP)
    assert verify_totp(SECRET, newer, at=AT + STEP, last_used_step=used) == used + 1


def test_the_wrong_secret_or_a_malformed_code_is_refused() -> None:
    code = totp_code(SECRET, AT)
    other = new_totp_secret()
    assert verify_totp(other, code, at=AT, last_used_step=None) is None or (
        totp_code(other, AT) == code  # one chance in a million
    )
    for bad in ("", "12345", "1234567", "12345a", "１２３４５６", "-12345", code + "0"):
        assert verify_totp(SECRET, bad, at=AT, last_used_step=None) is None


def test_spaces_inside_a_code_are_ignored() -> None:
    code = totp_code(SECRET, AT)
    spaced = f" {code[:3]} {code[3:]} "
    assert verify_totp(SECRET, spaced, at=AT, last_used_step=None) == totp_step(AT)


def test_instants_in_any_timezone_give_the_same_step_and_naive_ones_are_refused() -> None:
    shanghai = AT.astimezone(timezone(timedelta(hours=8)))
    assert totp_step(shanghai) == totp_step(AT)
    with pytest.raises(ValueError, match="timezone"):
        verify_totp(SECRET, "123456", at=AT.replace(tzinfo=None), last_used_step=None)


def test_new_secrets_are_random_160_bit_base32() -> None:
    secrets = {new_totp_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert len(base64.b32decode(secret)) == 20


def test_weak_or_malformed_secrets_are_refused() -> None:
    for bad in ("", "JBSWY3DPEHPK3PXP", "not base32!", "jbswy3dpehpk3pxpjbswy3dpehpk3pxp"):
        with pytest.raises(ValueError):
            totp_code(bad, AT)


def test_the_provisioning_uri_names_issuer_account_and_secret() -> None:
    uri = provisioning_uri(SECRET, "li.ming@example.com")
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth"
    assert parsed.netloc == "totp"
    assert unquote(parsed.path) == "/Xieshang:li.ming@example.com"
    query = parse_qs(parsed.query)
    assert query["secret"] == [SECRET]
    assert query["issuer"] == ["Xieshang"]
    other = provisioning_uri(SECRET, "agent@lender.cn", issuer="协商 测试")
    assert "协商 测试" in unquote(other)
