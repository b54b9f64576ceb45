"""Argon2id password hashes and the strength rules for new passwords."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.low_level import Type

from xieshang.domain.errors import DomainError
from xieshang.security.passwords import (
    DEFAULT_PASSWORD_POLICY,
    PasswordPolicy,
    check_password_strength,
    hash_password,
    needs_rehash,
    verify_password,
    verify_password_for_missing_user,
)

CHEAP = PasswordPolicy.cheap_for_tests()


def test_the_default_policy_meets_the_owasp_minimum_for_argon2id() -> None:
    policy = DEFAULT_PASSWORD_POLICY
    assert policy.meets_owasp_minimum
    assert policy.memory_kib >= 19 * 1024
    assert policy.time_cost >= 2
    assert policy.parallelism == 1


def test_a_default_hash_is_argon2id_with_the_policy_parameters() -> None:
    stored = hash_password("a long enough passphrase")  # the one real-cost hash in the suite
    assert stored.startswith("$argon2id$v=19$")
    params = extract_parameters(stored)
    assert params.type is Type.ID
    assert params.memory_cost == DEFAULT_PASSWORD_POLICY.memory_kib
    assert params.time_cost == DEFAULT_PASSWORD_POLICY.time_cost
    assert params.parallelism == 1
    assert params.salt_len == 16
    assert params.hash_len == 32
    assert verify_password(stored, "a long enough passphrase")
    assert not needs_rehash(stored)


def test_the_right_password_verifies_and_a_wrong_one_is_false_not_an_error() -> None:
    stored = hash_password("correct horse battery", policy=CHEAP)
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery", policy=CHEAP)
    for wrong in ("correct horse batter", "Correct horse battery", "", "correct horse battery "):
        assert verify_password(stored, wrong, policy=CHEAP) is False


def test_the_same_password_gets_a_fresh_salt_every_time() -> None:
    assert hash_password("same password", policy=CHEAP) != hash_password(
        "same password", policy=CHEAP
    )


def test_an_unreadable_stored_hash_verifies_false_and_needs_rehash() -> None:
    for broken in ("", "plaintext", "$argon2id$v=19$m=8,t=1,p=1$broken", "$2b$12$bcryptlike"):
        assert verify_password(broken, "anything", policy=CHEAP) is False
        assert needs_rehash(broken, policy=CHEAP)


def test_passwords_are_compared_after_nfkc_normalisation() -> None:
    stored = hash_password("密码１２３４５６７８９", policy=CHEAP)  # full-width digits
    assert verify_password(stored, "密码123456789", policy=CHEAP)
    composed, decomposed = "caf\u00e9 au lait 2024", "cafe\u0301 au lait 2024"
    assert verify_password(hash_password(composed, policy=CHEAP), decomposed, policy=CHEAP)


def test_a_hash_made_with_other_parameters_needs_rehash() -> None:
    stored = hash_password("correct horse battery", policy=CHEAP)
    assert not needs_rehash(stored, policy=CHEAP)
    assert needs_rehash(stored)  # the default policy costs more
    stronger = PasswordPolicy(time_cost=1, memory_kib=16)
    assert needs_rehash(stored, policy=stronger)


def test_a_hash_of_another_argon2_type_needs_rehash_but_still_verifies() -> None:
    argon2i = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.I)
    stored = argon2i.hash("correct horse battery")
    assert verify_password(stored, "correct horse battery", policy=CHEAP)
    assert needs_rehash(stored, policy=CHEAP)


def test_a_hash_with_more_lanes_is_read_not_refused() -> None:
    other = PasswordHasher(time_cost=1, memory_cost=32, parallelism=4).hash("pw with lanes!")
    assert verify_password(other, "pw with lanes!", policy=CHEAP)
    assert needs_rehash(other, policy=CHEAP)


def test_an_unknown_account_costs_a_check_and_is_refused() -> None:
    assert verify_password_for_missing_user("whatever it is", policy=CHEAP) is False


@pytest.mark.parametrize(
    ("policy_args", "field"),
    [
        ({"time_cost": 0}, "time_cost"),
        ({"parallelism": 0}, "parallelism"),
        ({"memory_kib": 7}, "memory_kib"),
        ({"hash_len": 8}, "hash_len"),
    ],
)
def test_a_policy_below_argon2s_floors_is_refused(policy_args: dict[str, int], field: str) -> None:
    with pytest.raises(DomainError) as caught:
        PasswordPolicy(**policy_args)
    assert caught.value.field == field
    assert caught.value.code.startswith("password_policy.")


def test_the_test_profile_is_marked_as_below_the_minimum() -> None:
    assert not CHEAP.meets_owasp_minimum
    assert not PasswordPolicy(time_cost=2, memory_kib=19 * 1024, parallelism=2).meets_owasp_minimum
    assert PasswordPolicy(time_cost=2, memory_kib=19 * 1024).meets_owasp_minimum


@pytest.mark.parametrize(
    ("password", "email", "codes"),
    [
        ("tea at five, sharp", None, []),
        ("慢慢还清每一笔债务吧", None, []),
        ("nine char", None, ["password.too_short"]),
        ("ten chars!", None, []),
        ("x" * 256 + "", None, ["password.common"]),
        ("xy" * 128 + "z", None, ["password.too_long"]),
        ("ab" * 128, None, []),
        ("", None, ["password.too_short"]),
        ("1234567890", None, ["password.common"]),
        ("QwertyUIOP", None, ["password.common"]),
        ("woaini1314", None, ["password.common"]),
        ("aaaaaaaaaaaa", None, ["password.common"]),
        ("abcdefghijk", None, ["password.common"]),
        ("9876543210", None, ["password.common"]),
        ("li.ming@example.com", "li.ming@example.com", ["password.contains_email"]),
        ("my LI.MING secret", "li.ming@example.com", ["password.contains_email"]),
        ("li is my family name", "li@example.com", []),
        ("li@example.com", "li@example.com", ["password.contains_email"]),
        ("li.ming", "li.ming@example.com", ["password.too_short", "password.contains_email"]),
    ],
)
def test_new_passwords_are_checked_for_length_commonness_and_the_email(
    password: str, email: str | None, codes: list[str]
) -> None:
    assert check_password_strength(password, email=email) == codes


def test_length_is_counted_in_characters_after_normalisation() -> None:
    assert check_password_strength("一二三四五六七八九") == ["password.too_short"]
    assert check_password_strength("１２３４５６７８９x") == []  # full-width digits become ASCII
