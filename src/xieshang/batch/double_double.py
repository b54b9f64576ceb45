"""Double-double arithmetic on numpy arrays (a value is ``hi + lo``, about 106 bits): error-free
sums and products (Dekker, Knuth) so that the few APRs lying near a rounding boundary can be
settled to ~1e-30 without leaving the vectorised path.

>>> hi, lo = mul(*split_sum(np.array([1.0]), np.array([1e-20])), np.array([3.0]), np.zeros(1))
>>> float(hi[0]), f"{lo[0]:.3e}"
(3.0, '3.000e-20')
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["add", "mul", "reciprocal", "split_sum", "two_product", "two_sum"]

Floats = NDArray[np.float64]
Pair = tuple[Floats, Floats]
_SPLITTER = 134217729.0  # 2**27 + 1


def two_sum(a: Floats, b: Floats) -> Pair:
    """``a + b`` exactly as ``s + e``."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def split_sum(hi: Floats, lo: Floats) -> Pair:
    """Renormalise ``hi + lo`` (``|lo|`` at most about ``|hi|``)."""
    return two_sum(hi, lo)


def _quick(a: Floats, b: Floats) -> Pair:
    s = a + b
    return s, b - (s - a)


def _split(a: Floats) -> Pair:
    c = _SPLITTER * a
    hi = c - (c - a)
    return hi, a - hi


def two_product(a: Floats, b: Floats) -> Pair:
    """``a × b`` exactly as ``p + e``."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def mul(xh: Floats, xl: Floats, yh: Floats, yl: Floats) -> Pair:
    p, e = two_product(xh, yh)
    return _quick(p, e + (xh * yl + xl * yh))


def add(xh: Floats, xl: Floats, yh: Floats, yl: Floats) -> Pair:
    s, e = two_sum(xh, yh)
    return _quick(s, e + xl + yl)


def reciprocal(xh: Floats, xl: Floats) -> Pair:
    """``1 / (xh + xl)`` with one Newton correction."""
    q = 1.0 / xh
    ph, pl = mul(q, np.zeros_like(q), xh, xl)
    residual = (1.0 - ph) - pl
    return _quick(q, residual * q)
