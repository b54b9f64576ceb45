"""A chunk of loans as columns of int64: the input of the batch kernels.

Amounts are integer **fen**, annual rates integer units of ``1 / RATE_SCALE`` (1e-8, so
``Decimal("0.094822")`` is ``9_482_200``), start dates whole days since 1970-01-01, and the
repayment method a small integer code (``METHOD_CODES``).  A chunk is any number of loans;
callers stream a book through the kernels chunk by chunk (``iter_chunks``), so nothing needs
the whole book in memory.

>>> chunk = LoanBatch.from_terms([(Decimal("1000.00"), Decimal("0.12"), 3, date(2024, 1, 31),
...                                Method.ANNUITY)])
>>> int(chunk.principal[0]), int(chunk.rate[0]), int(chunk.start[0])
(100000, 12000000, 19753)
>>> chunk.terms(0)
(Decimal('1000.00'), Decimal('0.12'), 3, datetime.date(2024, 1, 31), <Method.ANNUITY: 'annuity'>)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from xieshang.domain.errors import DomainError
from xieshang.domain.money import from_fen, to_fen
from xieshang.domain.schedule import Method

__all__ = [
    "EPOCH",
    "METHOD_CODES",
    "RATE_SCALE",
    "LoanBatch",
    "day_number",
    "from_day_number",
    "iter_chunks",
    "rate_units",
]

Int64s = NDArray[np.int64]

RATE_SCALE = 100_000_000  # annual rates in units of 1e-8 (1e-6 percentage points)
EPOCH = date(1970, 1, 1)

#: Method ↦ code in ``LoanBatch.method`` (a hand-entered ``MANUAL`` schedule has no kernel).
METHOD_CODES: dict[Method, int] = {
    Method.ANNUITY: 0,
    Method.EQUAL_PRINCIPAL: 1,
    Method.INTEREST_ONLY: 2,
    Method.BULLET: 3,
}
_METHODS = {code: method for method, code in METHOD_CODES.items()}


def rate_units(rate: Decimal) -> int:
    """An annual rate (a ``Decimal`` fraction) as integer units of 1e-8; a rate with finer
    digits is refused rather than cut.

    >>> rate_units(Decimal("0.36"))
    36000000
    """
    units = rate * RATE_SCALE
    if units != units.to_integral_value():
        raise DomainError("rate.too_precise", field="annual_rate", value=str(rate))
    return int(units)


def day_number(d: date) -> int:
    """Days since 1970-01-01 (numpy's ``datetime64[D]`` count)."""
    return (d - EPOCH).days


def from_day_number(days: int) -> date:
    return EPOCH + timedelta(days=int(days))


def _column(values: object, name: str) -> Int64s:
    array = np.ascontiguousarray(values, dtype=np.int64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    return array


@dataclass(frozen=True, slots=True)
class LoanBatch:
    """Terms of a chunk of loans, one entry per loan in each column (all the same length)."""

    principal: Int64s  # fen
    rate: Int64s  # annual rate × RATE_SCALE
    months: Int64s
    start: Int64s  # value date, days since 1970-01-01
    method: Int64s  # METHOD_CODES

    def __post_init__(self) -> None:
        names = ("principal", "rate", "months", "start", "method")
        columns = [_column(getattr(self, name), name) for name in names]
        if len({len(c) for c in columns}) > 1:
            raise ValueError("every column of a LoanBatch must have the same length")
        for name, column in zip(names, columns, strict=True):
            object.__setattr__(self, name, column)

    def __len__(self) -> int:
        return len(self.principal)

    @classmethod
    def from_terms(cls, terms: Iterable[tuple[Decimal, Decimal, int, date, Method]]) -> LoanBatch:
        """From ``(principal, annual_rate, months, start, method)`` as the domain takes them."""
        rows = [
            (to_fen(p), rate_units(r), n, day_number(s), METHOD_CODES[m]) for p, r, n, s, m in terms
        ]
        cols = list(zip(*rows, strict=True)) if rows else [(), (), (), (), ()]
        return cls(*(np.array(c, dtype=np.int64) for c in cols))

    def terms(self, i: int) -> tuple[Decimal, Decimal, int, date, Method]:
        """Loan ``i`` as the domain's ``build_schedule`` arguments."""
        return (
            from_fen(int(self.principal[i])),
            Decimal(int(self.rate[i])) / RATE_SCALE,
            int(self.months[i]),
            from_day_number(int(self.start[i])),
            _METHODS[int(self.method[i])],
        )

    def take(self, which: NDArray[np.intp] | slice) -> LoanBatch:
        """The loans at ``which`` (positions or a slice), as a new batch."""
        return LoanBatch(
            self.principal[which],
            self.rate[which],
            self.months[which],
            self.start[which],
            self.method[which],
        )


def iter_chunks(loans: LoanBatch, size: int) -> Iterator[tuple[int, LoanBatch]]:
    """``(first index, chunk)`` pairs of at most ``size`` loans (views, no copies)."""
    if size <= 0:
        raise ValueError("chunk size must be positive")
    for first in range(0, len(loans), size):
        yield first, loans.take(slice(first, first + size))
