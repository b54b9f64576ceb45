"""Numbers and dates as people read them: amounts with thousands separators (``¥12,345.67``),
rates as percents, dates in words (``2026年11月29日`` / ``29 Nov 2026``).  The documents and the
web pages both write them this way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from xieshang.i18n import normalize_lang

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def yuan(amount: Decimal) -> str:
    """12345.6 → '12,345.60' (the currency is stated in headings, not on every cell).

    >>> yuan(Decimal("12345.6"))
    '12,345.60'
    """
    return f"{amount:,.2f}"


def percent(fraction: Decimal | None, places: int = 2) -> str:
    """A fraction as a percent: ``percent(Decimal("0.128038"))`` → ``'12.80%'``; None → '—'.

    >>> percent(Decimal("0.128038")), percent(None)
    ('12.80%', '—')
    """
    if fraction is None:
        return "—"
    return f"{fraction * 100:.{places}f}%"


def money_text(amount: Decimal) -> str:
    """An amount in yuan with its sign and currency.

    >>> money_text(Decimal("12345.6")), money_text(Decimal("-3"))
    ('¥12,345.60', '-¥3.00')
    """
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{yuan(abs(amount))}"


def date_text(day: date, lang: str) -> str:
    """A date in words: ``2026年11月29日`` in Chinese, ``29 Nov 2026`` in English.

    >>> date_text(date(2026, 11, 29), "zh"), date_text(date(2026, 1, 2), "en")
    ('2026年11月29日', '2 Jan 2026')
    """
    if normalize_lang(lang) == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
