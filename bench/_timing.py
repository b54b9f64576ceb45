"""Timing helpers shared by the bench scripts (run as ``python bench/<script>.py``, so this
module is found beside them)."""

from __future__ import annotations

import statistics
import timeit
from collections.abc import Callable


def per_call(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds per call; the loop count is chosen so one run takes ~20 ms, and calls
    slower than 0.1 s (numpy-financial's irr on 361 flows takes seconds) are timed 3 times
    only."""
    timer = timeit.Timer(fn)
    number, elapsed = timer.autorange()
    if elapsed / number > 0.1:
        repeat = min(repeat, 3)
    number = max(1, number // 10)
    return statistics.median(t / number for t in timer.repeat(repeat=repeat, number=number))


def micro(seconds: float) -> str:
    """Seconds as microseconds, right-aligned in 10 columns."""
    return f"{seconds * 1e6:10.1f}"
