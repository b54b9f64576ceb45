"""Numbers as people read them: amounts with thousands separators, rates as percents."""

from __future__ import annotations

from decimal import Decimal


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
