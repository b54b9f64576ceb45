"""A logging filter that masks personal numbers before any handler writes them.

It masks, in the rendered message (so the arguments too) and in formatted exceptions:

* resident ID numbers — 18 characters (the last may be X) or 15 digits (old cards);
* mainland mobile numbers — ``1[3-9]`` and nine more digits, also as ``138 1234 5678``;
* bank card numbers — 13 to 19 digits, also in groups (``6222 0212 3456 7890``).

Digit runs of other lengths (amounts, dates, ids of rows) pass unchanged.  After filtering,
``record.args`` is empty and ``record.msg`` is the masked text, so a handler that formats the
record again cannot undo the masking.

>>> import logging
>>> record = logging.LogRecord("x", logging.INFO, __file__, 1, "phone %s", ("13812345678",), None)
>>> SensitiveDataFilter().filter(record), record.getMessage()
(True, 'phone 138****5678')
"""

from __future__ import annotations

import logging
import re
import traceback
import unicodedata

from xieshang.security.masking import mask_account, mask_id_number, mask_phone

# A run of digits, optionally in groups of 3+ separated by one space or hyphen, optionally
# ending in X (the ID check character).  Separators with smaller groups are left alone so
# that dates ("2024-03-07") never join into one long number.
_CANDIDATE = re.compile(
    r"(?<![0-9])[0-9]{3,}(?:[ -][0-9]{3,})*(?:[Xx](?![0-9A-Za-z])|(?![0-9]))", re.ASCII
)
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
MOBILE_DIGITS = 11
ID_DIGITS = (15, 18)
CARD_DIGITS = range(13, 20)


def _mask_number(match: re.Match[str]) -> str:
    text = match.group(0)
    compact = text.replace(" ", "").replace("-", "")
    if compact[-1] in "Xx":
        if len(compact) == 18:
            return mask_id_number(compact)
        return _mask_digits(text[:-1], compact[:-1]) + text[-1]  # "…5678x": a digit run, then x
    return _mask_digits(text, compact)


def _mask_digits(text: str, compact: str) -> str:
    if len(compact) == MOBILE_DIGITS and _MOBILE.fullmatch(compact):
        return mask_phone(compact)
    if compact.startswith("86") and _MOBILE.fullmatch(compact[2:]):  # +8613812345678
        return "86" + mask_phone(compact[2:])
    if len(compact) in ID_DIGITS:
        return mask_id_number(compact)
    if len(compact) in CARD_DIGITS:
        return mask_account(compact)
    return text


def mask_sensitive_text(text: str) -> str:
    """Every ID, mobile and card number in ``text`` masked; everything else unchanged.

    Full-width digits (１３８…) are read as digits too.

    >>> mask_sensitive_text("身份证 110101199003071234，手机 138 1234 5678，2024-03-07 还 1200")
    '身份证 110***********1234，手机 138****5678，2024-03-07 还 1200'
    >>> mask_sensitive_text("card=6222-0212-3456-7890")
    'card=************7890'
    """
    if any(ch.isdigit() and not ch.isascii() for ch in text):
        text = "".join(
            str(unicodedata.decimal(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text
        )
    return _CANDIDATE.sub(_mask_number, text)


class SensitiveDataFilter(logging.Filter):
    """Masks personal numbers in each record; never drops a record, never raises."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record or its numbers
            message = f"{record.msg} {record.args!r}"
        record.msg = mask_sensitive_text(message)
        record.args = ()
        if record.exc_info and not record.exc_text:
            formatted = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = formatted
        if record.exc_text:
            record.exc_text = mask_sensitive_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_sensitive_text(record.stack_info)
        return True


def install_log_masking(logger: logging.Logger | None = None) -> SensitiveDataFilter:
    """Attach one SensitiveDataFilter to ``logger`` (the root logger by default) and to each
    of its handlers; calling it again adds nothing twice.

    Both, because a logger's own filters see only records logged on it, while records from
    child loggers reach its *handlers*.  A handler added later needs
    ``handler.addFilter(...)`` with the returned filter (or another call to this function).
    """
    target = logger if logger is not None else logging.getLogger()
    existing = next((f for f in target.filters if isinstance(f, SensitiveDataFilter)), None)
    masking = existing or SensitiveDataFilter()
    if existing is None:
        target.addFilter(masking)
    for handler in target.handlers:
        if not any(isinstance(f, SensitiveDataFilter) for f in handler.filters):
            handler.addFilter(masking)
    return masking


def install_server_log_masking(prefix: str = "uvicorn") -> list[SensitiveDataFilter]:
    """Mask the root logger and every logger already configured under ``prefix`` (the HTTP
    server's error and access logs); call it after the server configured its logging."""
    names = [
        name
        for name, logger in list(logging.Logger.manager.loggerDict.items())
        if isinstance(logger, logging.Logger)  # not the placeholders of unused parents
        and (name == prefix or name.startswith(prefix + "."))
    ]
    return [install_log_masking(None), *(install_log_masking(logging.getLogger(n)) for n in names)]
