"""Masks for personal data shown to others: pages, API responses, logs.

The usual Chinese display forms are kept for well-formed values (ID number: first 3 and last
4; mobile: 138****5678; bank account: last 4 only; e-mail: first and last letter of the
name).  Anything short or odd falls back to a rule that never shows more than half of the
characters, so a truncated or mistyped value is not revealed whole.  Masks keep the length.

>>> mask_id_number("110101199003071234")
'110***********1234'
>>> mask_phone("13812345678")
'138****5678'
>>> mask_account("6222021234567890123")
'***************0123'
>>> mask_email("li.ming@example.com")
'l*****g@example.com'
"""

from __future__ import annotations

import re

MASK = "*"
_ID_NUMBER = re.compile(r"[0-9]{17}[0-9Xx]|[0-9]{15}")
_MOBILE = re.compile(r"(\+?86[ -]?)?(1[3-9][0-9]{9})")
_SEPARATORS = re.compile(r"[\s-]")


def mask_middle(value: str, head: int, tail: int) -> str:
    """Show at most ``head`` leading and ``tail`` trailing characters, and never more than half
    of the value (the head gets at most half of that allowance); the rest become ``*``.

    >>> mask_middle("110101199003071234", 3, 4)
    '110***********1234'
    >>> [mask_middle(v, 3, 4) for v in ("", "7", "12", "123456")]
    ['', '*', '*2', '1***56']
    """
    n = len(value)
    budget = n // 2
    shown_head = min(head, budget // 2)
    shown_tail = min(tail, budget - shown_head)
    hidden = n - shown_head - shown_tail
    return value[:shown_head] + MASK * hidden + value[n - shown_tail :]


def mask_id_number(value: str) -> str:
    """A resident ID number (18 characters, or 15 digits for the old cards): first 3, last 4.

    >>> mask_id_number("11010119900307123X"), mask_id_number("110101900307123")
    ('110***********123X', '110********7123')
    >>> mask_id_number("1101")
    '1**1'
    """
    compact = _SEPARATORS.sub("", value)
    return mask_middle(compact, 3, 4)


def mask_phone(value: str) -> str:
    """A mainland mobile number as 138****5678 (a +86 prefix is kept); other numbers by the
    half rule.

    >>> mask_phone("+86 138 1234 5678"), mask_phone("010-1234")
    ('+86 138****5678', '01****34')
    """
    stripped = value.strip()
    match = _MOBILE.fullmatch(_SEPARATORS.sub("", stripped)) or _MOBILE.fullmatch(stripped)
    if match:
        prefix = "+86 " if match.group(1) else ""
        digits = match.group(2)
        return f"{prefix}{digits[:3]}{MASK * 4}{digits[7:]}"
    return mask_middle(stripped, 3, 4)


def mask_account(value: str) -> str:
    """A bank card or account number: the last 4 characters only (fewer when short).

    >>> mask_account("6222 0212 3456 7890"), mask_account("12345")
    ('************7890', '***45')
    """
    compact = _SEPARATORS.sub("", value)
    return mask_middle(compact, 0, 4)


def mask_email(value: str) -> str:
    """The first and last character of the name before ``@``; the domain stays readable.

    >>> mask_email("ab@example.com"), mask_email("not-an-email")
    ('*b@example.com', 'n*********il')
    """
    name, at, domain = value.strip().rpartition("@")
    if not at or not name:
        return mask_middle(value.strip(), 1, 2)
    return mask_middle(name, 1, 1) + "@" + domain


def looks_like_id_number(value: str) -> bool:
    """18 characters (last may be X) or 15 digits: the shapes the log filter masks as IDs."""
    return bool(_ID_NUMBER.fullmatch(value))
