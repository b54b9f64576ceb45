"""Login throttling as a pure decision over the recorded failures.

The rule (one place, exact):

* A failure *trips* the lock when, counting it, at least ``max_failures`` failures fall in the
  window that ends at it — the half-open interval ``(failure - window, failure]``.
* A tripped lock refuses every attempt until ``tripping failure + lockout`` (so the lockout,
  not the window, sets the waiting time).  At that instant attempts are allowed again.
* If failures continue afterwards, the window still counts the old ones: with a lockout shorter
  than the window, one more failure locks again at once.

Only failures at or before ``now`` count (a clock ahead of ours cannot lock anyone out), and
no failure older than ``policy.horizon(now)`` can matter, so a store need only load those.
The service should record failed *attempts*, not refused ones: a refused attempt never reached
the password check.

>>> from datetime import UTC, datetime, timedelta
>>> policy = ThrottlePolicy(3, window=timedelta(minutes=15), lockout=timedelta(minutes=15))
>>> t0 = datetime(2024, 3, 7, 9, 0, tzinfo=UTC)
>>> failures = [t0, t0 + timedelta(minutes=1), t0 + timedelta(minutes=2)]
>>> policy.decide(failures, now=t0 + timedelta(minutes=3))
ThrottleDecision(allowed=False, retry_after_seconds=840)
>>> policy.decide(failures, now=t0 + timedelta(minutes=17))
ThrottleDecision(allowed=True, retry_after_seconds=0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from xieshang.domain.errors import DomainError

_ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class ThrottleDecision:
    """Whether to try the password at all; if not, whole seconds to wait (for Retry-After)."""

    allowed: bool
    retry_after_seconds: int


ALLOWED = ThrottleDecision(allowed=True, retry_after_seconds=0)


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    """``max_failures`` failures within ``window`` lock for ``lockout`` after the last of them."""

    max_failures: int
    window: timedelta
    lockout: timedelta

    def __post_init__(self) -> None:
        if self.max_failures < 1:
            raise DomainError("throttle.not_positive", field="max_failures")
        if self.window <= _ZERO:
            raise DomainError("throttle.not_positive", field="window")
        if self.lockout <= _ZERO:
            raise DomainError("throttle.not_positive", field="lockout")

    def horizon(self, now: datetime) -> datetime:
        """Failures at or before this instant cannot affect ``decide(..., now)``.

        >>> from datetime import datetime, timedelta
        >>> p = ThrottlePolicy(5, timedelta(minutes=15), timedelta(minutes=10))
        >>> p.horizon(datetime(2024, 1, 1, 12, 0))
        datetime.datetime(2024, 1, 1, 11, 35)
        """
        return now - self.window - self.lockout

    def decide(self, failures: Sequence[datetime], now: datetime) -> ThrottleDecision:
        """Allowed, or refused with the seconds until the lock ends (rounded up, at least 1).

        ``failures`` may come in any order; all instants must be alike (all timezone-aware, or
        all naive UTC), else ValueError.
        """
        aware = now.utcoffset() is not None
        if any((f.utcoffset() is not None) is not aware for f in failures):
            raise ValueError("failures and now must all be timezone-aware, or all naive")
        horizon = self.horizon(now)
        counted = sorted(f for f in failures if horizon < f <= now)
        locked_until: datetime | None = None
        first = 0  # index of the oldest failure inside the window ending at counted[last]
        for last, failure in enumerate(counted):
            while counted[first] <= failure - self.window:
                first += 1
            if last - first + 1 >= self.max_failures:
                locked_until = failure + self.lockout  # later failures lock later: keep the last
        if locked_until is None or now >= locked_until:
            return ALLOWED
        wait = (locked_until - now).total_seconds()
        return ThrottleDecision(allowed=False, retry_after_seconds=max(1, math.ceil(wait)))
