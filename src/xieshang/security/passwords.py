"""Password hashes (Argon2id) and the strength rules for new passwords.

Hashes are Argon2id PHC strings (``$argon2id$v=19$m=...,t=...,p=...$salt$hash``) made with
explicit parameters, never the library's defaults, so an upgrade of argon2-cffi cannot silently
change them; ``needs_rehash`` tells the login service when a stored hash was made with other
parameters, so it can re-hash with the password it has just verified.

Passwords are normalised to Unicode NFKC before hashing and checking (NIST SP 800-63B §5.1.1.2),
so the same password typed on another keyboard (full-width digits, composed accents) still
matches.

>>> cheap = PasswordPolicy.cheap_for_tests()
>>> stored = hash_password("correct horse battery", policy=cheap)
>>> stored.startswith("$argon2id$")
True
>>> verify_password(stored, "correct horse battery", policy=cheap)
True
>>> verify_password(stored, "Correct horse battery", policy=cheap)
False
"""

from __future__ import annotations

import itertools
import unicodedata
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from xieshang.domain.errors import DomainError

# OWASP Password Storage Cheat Sheet minimum for Argon2id: 19 MiB, 2 iterations, 1 lane.
OWASP_MIN_MEMORY_KIB = 19 * 1024
OWASP_MIN_TIME_COST = 2

MIN_LENGTH = 10
MAX_LENGTH = 256  # long enough for any passphrase, short enough to bound the work per login


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """Argon2id cost parameters.  The default is above the OWASP minimum (64 MiB, t=2, p=1:
    about 0.1 s on one core); ``cheap_for_tests()`` is for test suites only.

    >>> PasswordPolicy().meets_owasp_minimum, PasswordPolicy.cheap_for_tests().meets_owasp_minimum
    (True, False)
    """

    time_cost: int = 2
    memory_kib: int = 64 * 1024
    parallelism: int = 1
    hash_len: int = 32
    salt_len: int = 16

    def __post_init__(self) -> None:
        # Argon2's own floors; below them the library would refuse anyway, less clearly.
        if self.time_cost < 1:
            raise DomainError("password_policy.time_cost_too_low", field="time_cost")
        if self.parallelism < 1:
            raise DomainError("password_policy.parallelism_too_low", field="parallelism")
        if self.memory_kib < 8 * self.parallelism:
            raise DomainError("password_policy.memory_too_low", field="memory_kib")
        if self.hash_len < 16 or self.salt_len < 16:
            raise DomainError("password_policy.output_too_short", field="hash_len")

    @classmethod
    def cheap_for_tests(cls) -> PasswordPolicy:
        """Microseconds per hash: for tests, never for stored user passwords."""
        return cls(time_cost=1, memory_kib=8)

    @property
    def meets_owasp_minimum(self) -> bool:
        return (
            self.memory_kib >= OWASP_MIN_MEMORY_KIB
            and self.time_cost >= OWASP_MIN_TIME_COST
            and self.parallelism == 1
        )


DEFAULT_PASSWORD_POLICY = PasswordPolicy()


@cache
def _hasher(policy: PasswordPolicy) -> PasswordHasher:
    return PasswordHasher(
        time_cost=policy.time_cost,
        memory_cost=policy.memory_kib,
        parallelism=policy.parallelism,
        hash_len=policy.hash_len,
        salt_len=policy.salt_len,
        type=Type.ID,
    )


def _normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str, *, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY) -> str:
    """An Argon2id PHC string with a fresh random salt."""
    return _hasher(policy).hash(_normalise(password))


def verify_password(
    stored_hash: str, password: str, *, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY
) -> bool:
    """True when ``password`` matches; False for a wrong password *or* an unreadable hash —
    never an exception, so a login path cannot leak which of the two happened."""
    try:
        return _hasher(policy).verify(stored_hash, _normalise(password))
    except (VerificationError, InvalidHashError):
        return False


@cache
def _decoy_hash(policy: PasswordPolicy) -> str:
    return _hasher(policy).hash("decoy password for unknown accounts")


def verify_password_for_missing_user(
    password: str, *, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY
) -> bool:
    """Spend the same work as a real check, then refuse: a login for an unknown e-mail takes
    as long as one with a wrong password, so timing does not reveal who has an account."""
    verify_password(_decoy_hash(policy), password, policy=policy)
    return False


def needs_rehash(stored_hash: str, *, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY) -> bool:
    """True when the hash was made with other parameters (or another Argon2 type) than
    ``policy``, or cannot be read at all."""
    try:
        return _hasher(policy).check_needs_rehash(stored_hash)
    except (InvalidHashError, ValueError):
        return True


# Common passwords of at least MIN_LENGTH characters (shorter ones fail on length already):
# keyboard walks, digit runs and the Chinese favourites seen in published leak statistics.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "123456789a",
        "a123456789",
        "0123456789",
        "9876543210",
        "1234567890a",
        "qwertyuiop",
        "qwertyuiop123",
        "1qaz2wsx3edc",
        "1q2w3e4r5t",
        "1q2w3e4r5t6y",
        "q1w2e3r4t5",
        "zaq12wsxcde3",
        "asdfghjkl;",
        "asdfghjkl1",
        "zxcvbnm123",
        "qazwsxedcrfv",
        "password123",
        "password12",
        "password1!",
        "passw0rd123",
        "iloveyou123",
        "woaini1314",
        "woaini520",
        "woaini1314520",
        "5201314520",
        "5201314woaini",
        "1314520520",
        "abc1234567",
        "abcd123456",
        "abcdefghij",
        "1234qwerasdf",
        "qwer1234asdf",
        "asdf1234qwer",
        "11111111111",
        "aa123456789",
        "xiaoming123",
        "wangyang123",
        "zhang123456",
        "admin12345",
        "administrator",
        "welcome123",
        "letmein123",
        "football123",
        "baseball123",
        "sunshine123",
        "princess123",
        "monkey12345",
        "dragon12345",
        "xieshang123",
        "xieshang2024",
        "xieshang2025",
    }
)


def _is_common(password: str) -> bool:
    folded = password.casefold()
    if folded in COMMON_PASSWORDS:
        return True
    # One character repeated ("aaaaaaaaaa"), or a run of consecutive code points up or down
    # ("abcdefghijk", "0987654321"): as guessable as anything on the list.
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(folded)}
    return len(folded) >= 3 and steps in ({0}, {1}, {-1})


def check_password_strength(password: str, *, email: str | None = None) -> list[str]:
    """The codes a new password fails, in a fixed order; ``[]`` when it is acceptable.

    Length is counted in characters after NFKC normalisation, so a Chinese passphrase counts
    as many characters as it shows.

    >>> check_password_strength("short")
    ['password.too_short']
    >>> check_password_strength("li.ming.2024!", email="Li.Ming@example.com")
    ['password.contains_email']
    >>> check_password_strength("1234567890")
    ['password.common']
    >>> check_password_strength("慢慢还清每一笔债务吧")
    []
    """
    normalised = _normalise(password)
    problems: list[str] = []
    if len(normalised) < MIN_LENGTH:
        problems.append("password.too_short")
    if len(normalised) > MAX_LENGTH:
        problems.append("password.too_long")
    if _is_common(normalised):
        problems.append("password.common")
    if email and _contains_email(normalised, email):
        problems.append("password.contains_email")
    return problems


def _contains_email(password: str, email: str) -> bool:
    folded = password.casefold()
    address = _normalise(email).strip().casefold()
    local = address.partition("@")[0]
    # A local part of one or two letters ("li@…") would refuse too many honest passwords.
    return folded == address or (len(local) >= 3 and local in folded)
