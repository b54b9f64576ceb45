"""Personal data shown to lender staff, masked: a borrower appears by the first character of
their display name followed by ``*`` — the surname for a Chinese name written family-name
first (李明 → 李*), the initial for a Latin one (Li Ming → L*).  Never the full name, the e-mail
or an ID number; a name that is empty (or starts with something that is not a letter or a
CJK character) shows as ``*`` alone, so nothing of an e-mail address or a number can leak.

>>> mask_name("李明 Li Ming"), mask_name("li ming"), mask_name("  王芳"), mask_name("")
('李*', 'L*', '王*', '*')
>>> mask_name("12345619900101001X"), mask_name("@someone")
('*', '*')
"""

from __future__ import annotations

MASK = "*"


def mask_name(display_name: str | None) -> str:
    """The display name reduced to its first letter (surname or initial) and ``*``."""
    first = (display_name or "").strip()[:1]
    if not first or not first.isalpha():
        return MASK
    return first.upper() + MASK
