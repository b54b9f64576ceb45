"""Login throttling: exact decisions at the boundaries, with fixed instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xieshang.domain.errors import DomainError
from xieshang.security.throttle import ThrottleDecision, ThrottlePolicy

T0 = datetime(2024, 3, 7, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)
POLICY = ThrottlePolicy(max_failures=5, window=15 * MIN, lockout=15 * MIN)
ALLOWED = ThrottleDecision(allowed=True, retry_after_seconds=0)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_no_failures_are_allowed() -> None:
    assert POLICY.decide([], now=T0) == ALLOWED


def test_one_failure_short_of_the_limit_is_still_allowed() -> None:
    failures = [at(m) for m in range(4)]
    assert POLICY.decide(failures, now=at(4)) == ALLOWED


def test_the_failure_that_reaches_the_limit_locks_for_the_lockout() -> None:
    failures = [at(m) for m in range(5)]  # the fifth at 09:04
    assert POLICY.decide(failures, now=at(4)) == ThrottleDecision(False, 15 * 60)
    assert POLICY.decide(failures, now=at(4) + SEC) == ThrottleDecision(False, 15 * 60 - 1)
    assert POLICY.decide(failures, now=at(19) - SEC) == ThrottleDecision(False, 1)


def test_the_lock_ends_exactly_at_the_tripping_failure_plus_the_lockout() -> None:
    failures = [at(m) for m in range(5)]
    assert POLICY.decide(failures, now=at(19)) == ALLOWED


def test_retry_after_rounds_up_to_a_whole_second() -> None:
    failures = [at(m) for m in range(5)]
    now = at(19) - timedelta(milliseconds=1)
    assert POLICY.decide(failures, now=now) == ThrottleDecision(False, 1)
    now = at(19) - timedelta(seconds=1, microseconds=1)
    assert POLICY.decide(failures, now=now) == ThrottleDecision(False, 2)


def test_failures_exactly_one_window_apart_are_not_counted_together() -> None:
    # 09:00 and 09:15 are one window apart: (09:15 - 15 min, 09:15] excludes 09:00.
    failures = [at(0), at(12), at(13), at(14), at(15)]
    assert POLICY.decide(failures, now=at(15)) == ALLOWED
    just_inside = [at(0) + SEC, at(12), at(13), at(14), at(15)]
    assert POLICY.decide(just_inside, now=at(15)) == ThrottleDecision(False, 15 * 60)


def test_slow_failures_never_lock() -> None:
    failures = [at(4 * k) for k in range(30)]  # one every 4 minutes: at most 4 per window
    assert POLICY.decide(failures, now=at(4 * 29)) == ALLOWED


def test_the_latest_tripping_failure_sets_the_end_of_the_lock() -> None:
    failures = [at(m) for m in range(7)]  # trips at 09:04, 09:05 and 09:06
    assert POLICY.decide(failures, now=at(7)) == ThrottleDecision(False, 14 * 60)
    assert POLICY.decide(failures, now=at(21)) == ALLOWED


def test_after_a_lockout_shorter_than_the_window_one_more_failure_locks_again() -> None:
    short = ThrottlePolicy(max_failures=3, window=10 * MIN, lockout=2 * MIN)
    failures = [at(0), at(1), at(2)]
    assert short.decide(failures, now=at(3)) == ThrottleDecision(False, 60)
    assert short.decide(failures, now=at(4)) == ALLOWED
    assert short.decide([*failures, at(4)], now=at(4)) == ThrottleDecision(False, 120)
    # once the old failures have left the window, a single failure no longer locks
    assert short.decide([*failures, at(12)], now=at(12)) == ALLOWED


def test_failures_after_now_are_ignored() -> None:
    future = [at(10 + m) for m in range(5)]
    assert POLICY.decide(future, now=at(9)) == ALLOWED


def test_the_order_of_failures_does_not_matter() -> None:
    failures = [at(3), at(0), at(4), at(1), at(2)]
    assert POLICY.decide(failures, now=at(5)) == ThrottleDecision(False, 14 * 60)


def test_failures_before_the_horizon_cannot_matter() -> None:
    failures = [at(m) for m in range(5)]
    now = at(40)
    assert POLICY.horizon(now) == at(10)
    assert POLICY.decide(failures, now=now) == ALLOWED


def test_naive_and_aware_instants_are_not_mixed() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        POLICY.decide([T0.replace(tzinfo=None)], now=T0)
    naive = [T0.replace(tzinfo=None) + timedelta(minutes=m) for m in range(5)]
    assert POLICY.decide(naive, now=naive[-1]) == ThrottleDecision(False, 15 * 60)


def test_a_limit_of_one_locks_after_every_failure() -> None:
    strict = ThrottlePolicy(max_failures=1, window=MIN, lockout=30 * SEC)
    assert strict.decide([T0], now=T0 + 10 * SEC) == ThrottleDecision(False, 20)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((0, MIN, MIN), "max_failures"),
        ((3, timedelta(0), MIN), "window"),
        ((3, MIN, -MIN), "lockout"),
    ],
)
def test_a_policy_with_nothing_positive_is_refused(
    args: tuple[int, timedelta, timedelta], field: str
) -> None:
    with pytest.raises(DomainError) as caught:
        ThrottlePolicy(*args)
    assert (caught.value.code, caught.value.field) == ("throttle.not_positive", field)


def brute_force(
    policy: ThrottlePolicy, failures: list[datetime], now: datetime
) -> ThrottleDecision:
    """The rule read literally: every failure that trips, the latest end of its lock."""
    past = [f for f in failures if f <= now]
    ends = [
        f + policy.lockout
        for f in past
        if sum(1 for g in past if f - policy.window < g <= f) >= policy.max_failures
    ]
    end = max(ends, default=None)
    if end is None or now >= end:
        return ThrottleDecision(True, 0)
    seconds = (end - now).total_seconds()
    return ThrottleDecision(False, max(1, int(-(-seconds // 1))))


@given(
    st.integers(1, 6),
    st.integers(1, 20),
    st.integers(1, 20),
    st.lists(st.integers(0, 3600), max_size=25),
    st.integers(0, 4000),
)
def test_decisions_agree_with_the_rule_read_literally(
    max_failures: int, window_min: int, lockout_min: int, offsets: list[int], now_s: int
) -> None:
    policy = ThrottlePolicy(max_failures, window_min * MIN, lockout_min * MIN)
    failures = [T0 + k * SEC for k in offsets]
    now = T0 + now_s * SEC
    assert policy.decide(failures, now=now) == brute_force(policy, failures, now)
