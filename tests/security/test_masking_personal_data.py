"""Masks of personal data: the usual display forms, and never more than half of an odd value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xieshang.security.masking import (
    looks_like_id_number,
    mask_account,
    mask_email,
    mask_id_number,
    mask_middle,
    mask_phone,
)

NO_STARS = st.text(alphabet=st.characters(blacklist_characters="*", blacklist_categories=["Z"]))


def shown(masked: str) -> int:
    return sum(ch != "*" for ch in masked)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("110101199003071234", "110***********1234"),
        ("11010119900307123X", "110***********123X"),
        ("110101900307123", "110********7123"),
        ("110101 19900307 1234", "110***********1234"),
        ("1101", "1**1"),
        ("123", "**3"),
        ("1", "*"),
        ("", ""),
    ],
)
def test_id_numbers_show_the_first_three_and_last_four(value: str, masked: str) -> None:
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("+8613812345678", "+86 138****5678"),
        ("+86 138 1234 5678", "+86 138****5678"),
        ("12812345678", "12******678"),  # not a mobile (second digit 2): half rule
        ("010-1234", "01****34"),
        ("1381234", "1****34"),
        ("", ""),
    ],
)
def test_mobile_numbers_show_the_first_three_and_last_four(value: str, masked: str) -> None:
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("6222021234567890123", "***************0123"),
        ("6222 0212 3456 7890", "************7890"),
        ("12345678", "****5678"),
        ("12345", "***45"),
        ("1234", "**34"),
        ("9", "*"),
    ],
)
def test_bank_accounts_show_only_the_last_four(value: str, masked: str) -> None:
    assert mask_account(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("li.ming@example.com", "l*****g@example.com"),
        ("abc@example.com", "**c@example.com"),
        ("ab@example.com", "*b@example.com"),
        ("a@example.com", "*@example.com"),
        ("a.b@c@example.com", "a***c@example.com"),  # the last @ separates the domain
        ("not-an-email", "n*********il"),
        ("@example.com", "@*********om"),
    ],
)
def test_emails_keep_the_domain_and_the_ends_of_a_long_name(value: str, masked: str) -> None:
    assert mask_email(value) == masked


def test_the_id_shapes_are_recognised() -> None:
    assert looks_like_id_number("110101199003071234")
    assert looks_like_id_number("11010119900307123x")
    assert looks_like_id_number("110101900307123")
    assert not looks_like_id_number("1101011990030712")
    assert not looks_like_id_number("11010119900307123Y")


@given(NO_STARS, st.integers(0, 10), st.integers(0, 10))
def test_mask_middle_keeps_the_length_and_never_shows_more_than_half(
    value: str, head: int, tail: int
) -> None:
    masked = mask_middle(value, head, tail)
    assert len(masked) == len(value)
    assert shown(masked) <= len(value) // 2
    assert shown(masked) <= head + tail
    # one run of stars between an unchanged head and an unchanged tail
    n = len(value)
    head_len = masked.find("*") if "*" in masked else n
    tail_len = n - 1 - masked.rfind("*") if "*" in masked else 0
    assert masked == value[:head_len] + "*" * (n - head_len - tail_len) + value[n - tail_len :]


@given(NO_STARS)
def test_no_mask_shows_more_than_half_of_an_odd_value(value: str) -> None:
    for mask in (mask_id_number, mask_account):
        assert shown(mask(value)) <= len(value) // 2
    if "@" not in value:
        assert shown(mask_email(value)) <= len(value.strip()) // 2


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_every_mobile_number_shows_seven_digits_and_hides_the_middle_four(phone: str) -> None:
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[7:]


@given(st.from_regex(r"[1-9][0-9]{16}[0-9X]", fullmatch=True))
def test_every_id_number_hides_the_birth_date(id_number: str) -> None:
    masked = mask_id_number(id_number)
    assert masked[6:14] == "********"
    assert shown(masked) == 7
