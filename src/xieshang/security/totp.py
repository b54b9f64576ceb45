"""Time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps) via pyotp.

Verification takes the instant as an argument (never reads the clock), accepts the current
step and one step either side (a phone clock a little off, a code typed as it rolls over), and
returns the *step* it accepted.  The caller stores that step and passes it back as
``last_used_step``: a code is refused for any step at or before it, so an observed code cannot
be replayed, not even within its own 30 seconds.

>>> from datetime import UTC, datetime
>>> secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
>>> at = datetime(2024, 3, 7, 9, 30, 15, tzinfo=UTC)
>>> code = totp_code(secret, at)
>>> step = verify_totp(secret, code, at=at, last_used_step=None)
>>> step == totp_step(at), verify_totp(secret, code, at=at, last_used_step=step)
(True, None)
"""

from __future__ import annotations

import binascii
import hmac
import re
from datetime import datetime

import pyotp

STEP_SECONDS = 30
DIGITS = 6
WINDOW_STEPS = 1  # accept codes one step (30 s) early or late
_CODE = re.compile(r"[0-9]{6}")
_SECRET = re.compile(r"[A-Z2-7]+=*")


def new_totp_secret() -> str:
    """A fresh 160-bit secret in base32 (32 characters), as authenticator apps expect.

    >>> len(new_totp_secret())
    32
    """
    return pyotp.random_base32(length=32)


def _checked_secret(secret: str) -> pyotp.TOTP:
    if not isinstance(secret, str) or not _SECRET.fullmatch(secret):
        raise ValueError("a TOTP secret is upper-case base32 text")
    try:
        return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    except (binascii.Error, ValueError):  # pyotp wants at least 112 bits (23 characters)
        raise ValueError("a TOTP secret needs at least 112 bits of base32") from None


def provisioning_uri(secret: str, account: str, issuer: str = "Xieshang") -> str:
    """The ``otpauth://`` URI an authenticator app scans from a QR code.

    >>> provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "li.ming@example.com")
    'otpauth://totp/Xieshang:li.ming%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Xieshang'
    """
    return _checked_secret(secret).provisioning_uri(name=account, issuer_name=issuer)


def totp_step(at: datetime) -> int:
    """The RFC 6238 counter for an instant: whole 30-second steps since the Unix epoch.

    >>> from datetime import UTC, datetime
    >>> totp_step(datetime(1970, 1, 1, 0, 1, 29, tzinfo=UTC))
    2
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("TOTP needs a timezone-aware instant")
    return int(at.timestamp()) // STEP_SECONDS


def totp_code(secret: str, at: datetime) -> str:
    """The code an authenticator shows at ``at`` (for tests, demos and enrolment checks).

    RFC 6238 appendix B, SHA-1 secret "12345678901234567890", T = 59 s → 94287082 (8 digits);
    its last six digits are the 6-digit code:

    >>> import base64
    >>> from datetime import UTC, datetime
    >>> rfc = base64.b32encode(b"12345678901234567890").decode()
    >>> totp_code(rfc, datetime(1970, 1, 1, 0, 0, 59, tzinfo=UTC))
    '287082'
    """
    return _checked_secret(secret).at(totp_step(at) * STEP_SECONDS)


def verify_totp(secret: str, code: str, *, at: datetime, last_used_step: int | None) -> int | None:
    """The step ``code`` belongs to (within ±1 step of ``at``, after ``last_used_step``), or
    None.  Spaces inside the code are ignored ("123 456"); anything but six digits is None."""
    totp = _checked_secret(secret)
    typed = code.replace(" ", "") if isinstance(code, str) else ""
    if not _CODE.fullmatch(typed):
        return None
    now = totp_step(at)
    accepted: int | None = None
    # Compare against every candidate (no early exit) so timing does not tell which matched.
    for step in range(now - WINDOW_STEPS, now + WINDOW_STEPS + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        expected = totp.at(step * STEP_SECONDS)
        if (
            hmac.compare_digest(expected.encode("ascii"), typed.encode("ascii"))
            and accepted is None
        ):
            accepted = step
    return accepted
