"""Money: one constructor, Decimal yuan with fen precision, one rounding policy.

Every amount in the domain is a ``Decimal``.  ``money()`` is the only way to make one from
outside input; it refuses ``float`` (binary floats cannot hold 0.1 exactly) and anything that
is not a finite number.  Rounding is half-up to the fen (四舍五入) unless a ``RoundingPolicy``
says otherwise, and every rounding names its policy.

>>> money("12.345")
Decimal('12.35')
>>> to_fen(money("17.13")), from_fen(1713)
(1713, Decimal('17.13'))
>>> allocate(money("100.00"), [1, 1, 1])
(Decimal('33.34'), Decimal('33.33'), Decimal('33.33'))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Decimal,
    InvalidOperation,
    localcontext,
)

from .errors import DomainError

FEN = Decimal("0.01")
YUAN = Decimal("1")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal(10) ** 15  # yuan

_MODES = {
    "half-up": ROUND_HALF_UP,
    "half-even": ROUND_HALF_EVEN,
    "down": ROUND_DOWN,
    "floor": ROUND_FLOOR,
    "ceiling": ROUND_CEILING,
}


@dataclass(frozen=True, slots=True)
class RoundingPolicy:
    """How amounts are rounded to the fen: ``mode`` is one of half-up (default), half-even,
    down, floor, ceiling."""

    mode: str = "half-up"

    def __post_init__(self) -> None:
        if self.mode not in _MODES:
            raise DomainError("rounding.unknown_mode", field="rounding", value=self.mode)

    @property
    def decimal_mode(self) -> str:
        return _MODES[self.mode]


HALF_UP = RoundingPolicy("half-up")
DEFAULT_ROUNDING = HALF_UP


def _to_decimal(value: object, field: str) -> Decimal:
    if isinstance(value, bool | float):
        # Binary floats cannot represent most fen amounts exactly; refuse them on money paths.
        raise DomainError("amount.float_refused", field=field, value=repr(value))
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "")
        for prefix in ("¥", "￥", "CNY", "RMB"):
            text = text.removeprefix(prefix).strip()
        text = text.removesuffix("元").strip()
        try:
            d = Decimal(text)
        except InvalidOperation:
            raise DomainError("amount.not_a_number", field=field, value=value) from None
    else:
        raise DomainError("amount.not_a_number", field=field, value=repr(value))
    if not d.is_finite():
        raise DomainError("amount.not_a_number", field=field, value=str(value))
    if abs(d) >= MAX_AMOUNT:
        # Far beyond any household debt; refusing it keeps every quantize within precision.
        raise DomainError("amount.too_large", field=field, value=str(value), limit=str(MAX_AMOUNT))
    return d


def money(
    value: object,
    *,
    field: str = "amount",
    policy: RoundingPolicy = DEFAULT_ROUNDING,
    allow_negative: bool = True,
) -> Decimal:
    """The one constructor: yuan as a ``Decimal`` rounded to the fen by ``policy``.

    Accepts ``Decimal``, ``int`` and strings such as ``"1,234.50"`` or ``"¥12"``; refuses
    floats, NaN and infinities with a ``DomainError`` naming ``field``.

    >>> money("1,234.5")
    Decimal('1234.50')
    >>> money(0.1)
    Traceback (most recent call last):
    ...
    xieshang.domain.errors.DomainError: amount.float_refused [amount]: value=0.1
    """
    d = _to_decimal(value, field)
    if not allow_negative and d < 0:
        raise DomainError("amount.negative", field=field, value=str(value))
    return round_money(d, policy)


def positive_money(value: object, *, field: str = "amount") -> Decimal:
    """``money`` that must be strictly positive (a principal, a payment)."""
    d = money(value, field=field, allow_negative=False)
    if d <= 0:
        raise DomainError("amount.not_positive", field=field, value=str(value))
    return d


def round_money(value: Decimal, policy: RoundingPolicy = DEFAULT_ROUNDING) -> Decimal:
    """Round an exact Decimal to the fen by ``policy`` (never through float)."""
    with localcontext() as ctx:
        ctx.prec = 40
        return value.quantize(FEN, rounding=policy.decimal_mode)


def round_up_to_multiple(value: Decimal, multiple: Decimal) -> Decimal:
    """Round ``value`` up to the next multiple of ``multiple`` (e.g. whole yuan: ``YUAN``).

    >>> round_up_to_multiple(Decimal("15051.17"), YUAN)
    Decimal('15052.00')
    """
    if multiple <= 0:
        raise DomainError("rounding.multiple_not_positive", field="round_to", value=str(multiple))
    with localcontext() as ctx:
        ctx.prec = 40
        units = (value / multiple).to_integral_value(rounding=ROUND_CEILING)
        return round_money(units * multiple)


def to_fen(amount: Decimal) -> int:
    """Integer fen for storage and batch kernels; refuses amounts with sub-fen digits."""
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise DomainError("amount.sub_fen", field="amount", value=str(amount))
    return int(fen)


def from_fen(fen: int) -> Decimal:
    """Yuan ``Decimal`` from integer fen."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise DomainError("amount.not_integer_fen", field="amount", value=repr(fen))
    return (Decimal(fen) / 100).quantize(FEN)


def total(amounts: Iterable[Decimal]) -> Decimal:
    """Exact sum, quantized to the fen (the empty sum is ``0.00``)."""
    return sum(amounts, ZERO).quantize(FEN)


def allocate(amount: Decimal, weights: Sequence[int | Decimal]) -> tuple[Decimal, ...]:
    """Split ``amount`` in proportion to ``weights`` so the parts sum exactly to ``amount``.

    Largest-remainder method on whole fen: each part gets the floor of its share, and the
    fen left over go one each to the parts with the largest remainders (ties to the earliest).
    Zero weights get nothing; all weights zero is refused.

    >>> allocate(Decimal("0.05"), [1, 1])
    (Decimal('0.03'), Decimal('0.02'))
    """
    if not weights:
        raise DomainError("allocation.no_parts", field="weights")
    ws = [Decimal(w) for w in weights]
    if any(w < 0 for w in ws):
        raise DomainError("allocation.negative_weight", field="weights")
    weight_sum = sum(ws, Decimal(0))
    if weight_sum == 0:
        raise DomainError("allocation.zero_weights", field="weights")
    fen_total = to_fen(round_money(amount))
    sign = -1 if fen_total < 0 else 1
    fen_total = abs(fen_total)
    with localcontext() as ctx:
        ctx.prec = 50
        exact = [Decimal(fen_total) * w / weight_sum for w in ws]
    floors = [int(e.to_integral_value(rounding=ROUND_FLOOR)) for e in exact]
    left = fen_total - sum(floors)
    order = sorted(range(len(ws)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return tuple(from_fen(sign * f) for f in floors)


def split_evenly(
    amount: Decimal, parts: int, *, unit: Decimal = FEN, remainder_last: bool = True
) -> tuple[Decimal, ...]:
    """Split into ``parts`` equal amounts in multiples of ``unit`` (the fen by default; ``YUAN``
    for whole-yuan installments); the remainder goes to the last part (DESIGN.md §4) or, with
    ``remainder_last=False``, to the first.

    >>> split_evenly(Decimal("100.00"), 3)
    (Decimal('33.33'), Decimal('33.33'), Decimal('33.34'))
    >>> split_evenly(Decimal("125.00"), 2, unit=YUAN)
    (Decimal('62.00'), Decimal('63.00'))
    """
    if parts <= 0:
        raise DomainError("allocation.no_parts", field="parts", value=parts)
    unit_fen = to_fen(round_money(unit))
    if unit_fen <= 0:
        raise DomainError("rounding.multiple_not_positive", field="unit", value=str(unit))
    fen_total = to_fen(round_money(amount))
    units_each = int(Decimal(fen_total) / (parts * unit_fen))  # truncates toward zero
    base = units_each * unit_fen
    rest = fen_total - base * parts
    out = [base] * parts
    out[-1 if remainder_last else 0] += rest
    return tuple(from_fen(f) for f in out)
