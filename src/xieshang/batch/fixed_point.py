"""Exact integer arithmetic for the kernels: rounding a fraction of int64s to the fen by the
domain's policy, products that would overflow int64, and calendar months as day numbers.

Every amount is a whole number of fen and every interest an exact fraction ``q + r / d`` of
fen (``0 ≤ r < d``); rounding decides on ``q`` and ``r`` alone, so no value is ever cut to a
float.  All quantities here are ≥ 0 (balances, rates, days), so half-up and half-even behave as
``Decimal``'s ROUND_HALF_UP / ROUND_HALF_EVEN do on them, and floor = down.

>>> q, r = np.array([2, 2, 3]), np.array([5, 4, 5])
>>> round_fraction(q, r, 10, "half-up").tolist(), round_fraction(q, r, 10, "half-even").tolist()
([3, 2, 4], [2, 2, 4])
>>> mul_div(np.array([10**9]), np.array([36_000_000]), np.array([31]), 36_500_000_000)
(array([30575342]), array([17000000000]))
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from xieshang.domain.money import RoundingPolicy

__all__ = ["INT64_MAX", "MonthTable", "div_round", "mul_div", "policy_mode", "round_fraction"]

Int64s = NDArray[np.int64]
INT64_MAX = int(np.iinfo(np.int64).max)
_MODES = ("half-up", "half-even", "down", "floor", "ceiling")


def policy_mode(policy: RoundingPolicy) -> str:
    """The policy's mode, checked against the ones the kernels implement."""
    if policy.mode not in _MODES:  # pragma: no cover - RoundingPolicy refuses others already
        raise ValueError(f"rounding mode {policy.mode!r} has no batch kernel")
    return policy.mode


def round_fraction(q: Int64s, r: Int64s, d: int | Int64s, mode: str) -> Int64s:
    """``q + r / d`` (``0 ≤ r < d``, ``q ≥ 0``) rounded to an integer by ``mode``."""
    if mode == "half-up":
        up = 2 * r >= d
    elif mode == "half-even":
        twice = 2 * r
        up = (twice > d) | ((twice == d) & (q % 2 == 1))
    elif mode == "ceiling":
        up = r > 0
    else:  # down, floor: the same on amounts ≥ 0
        return q.copy()
    rounded: Int64s = q + up
    return rounded


def div_round(numerator: Int64s, d: int, mode: str, out: Int64s | None = None) -> Int64s:
    """``numerator / d`` (``numerator ≥ 0``, ``d`` even) rounded by ``mode``; one integer
    division for every mode but half-even (``numerator + d`` must fit in int64).

    >>> div_round(np.array([14, 15, 16]), 10, "half-up").tolist()
    [1, 2, 2]
    """
    if mode in {"half-up", "ceiling"}:
        shifted = np.add(numerator, d // 2 if mode == "half-up" else d - 1, out=out)
        return np.floor_divide(shifted, d, out=shifted)
    if mode == "half-even":
        q = numerator // d
        rounded = round_fraction(q, numerator - q * d, d, mode)
        if out is None:
            return rounded
        out[:] = rounded
        return out
    return np.floor_divide(numerator, d, out=out)


def mul_div(a: Int64s, m: Int64s, k: Int64s | int, d: int) -> tuple[Int64s, Int64s]:
    """``(q, r)`` with ``a·m·k = q·d + r``, ``0 ≤ r < d``, without forming ``a·m·k``: the
    caller guarantees ``a·m`` and ``d·k`` fit in int64 (then every intermediate does)."""
    am: Int64s = a * m
    q1: Int64s = am // d
    x: Int64s = (am - q1 * d) * k
    q2: Int64s = x // d
    return q1 * k + q2, x - q2 * d


class MonthTable:
    """Day numbers of the first day of calendar months, for month-end-clamped due dates.

    ``due(month_index, day_of_month_minus_1)`` is ``add_months`` of the domain: the same day of
    the target month, or its last day when the month is shorter (Jan 31 → Feb 29 → Mar 31).
    Months are counted from 1970-01 (numpy's ``datetime64[M]``).
    """

    __slots__ = ("_base", "_last0", "_starts", "days")

    def __init__(self, first_month: int, last_month: int) -> None:
        months = np.arange(first_month, last_month + 2, dtype=np.int64)
        self._base = first_month
        self._starts: Int64s = (
            months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        )
        self._last0: Int64s = np.diff(self._starts) - 1  # last day of the month − 1
        # ``days[31 × month + day0]``: the clamped due date, so a due date is one lookup.
        clamp = np.minimum(np.arange(31)[None, :], self._last0[:, None])
        self.days: Int64s = (self._starts[:-1, None] + clamp).ravel()

    def key(self, month: Int64s, day0: Int64s) -> Int64s:
        """Index into ``days`` of (month, day0); + 31 moves it one month on."""
        key: Int64s = (month - self._base) * 31 + day0
        return key

    @staticmethod
    def split(days: Int64s) -> tuple[Int64s, Int64s]:
        """Day numbers as (month index since 1970-01, day of month − 1)."""
        months = days.astype("datetime64[D]").astype("datetime64[M]")
        first = months.astype("datetime64[D]").astype(np.int64)
        return months.astype(np.int64), days - first

    def due(self, month: Int64s, day0: Int64s) -> Int64s:
        i = month - self._base
        due: Int64s = self._starts[i] + np.minimum(day0, self._last0[i])
        return due
