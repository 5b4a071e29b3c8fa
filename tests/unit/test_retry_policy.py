from __future__ import annotations

from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insider_core import ErrorKind, RetryPolicy, SendOutcome

policies = st.builds(
    RetryPolicy,
    max_attempts=st.integers(1, 20),
    base_seconds=st.floats(0, 1000, allow_nan=False),
    max_seconds=st.floats(0, 100_000, allow_nan=False),
)


@given(policies, st.integers(1, 500), st.integers(0, 2**32))
def test_backoff_is_never_negative_nor_above_the_capped_exponential(policy, attempts, seed):
    delay = policy.backoff(attempts, Random(seed)).total_seconds()
    ceiling = min(policy.max_seconds, policy.base_seconds * 2.0 ** (attempts - 1))
    assert 0 <= delay <= ceiling + 1e-6


@given(policies, st.integers(1, 60))
def test_the_ceiling_doubles_per_attempt_until_the_cap(policy, attempts):
    if policy.ceiling(attempts) < policy.max_seconds:
        assert policy.ceiling(attempts + 1) == pytest.approx(
            min(policy.max_seconds, 2 * policy.ceiling(attempts))
        )
    assert policy.ceiling(attempts + 1) >= policy.ceiling(attempts)


def test_full_jitter_spreads_delays_over_the_whole_window():
    policy = RetryPolicy(base_seconds=100, max_seconds=10_000)
    delays = [policy.backoff(1, Random(seed)).total_seconds() for seed in range(200)]
    assert min(delays) < 10
    assert max(delays) > 90


@given(policies, st.floats(0, 10**7, allow_nan=False))
def test_retry_after_is_honoured_within_the_cap(policy, retry_after):
    delay = policy.backoff(1, Random(0), retry_after).total_seconds()
    # timedelta keeps microseconds
    assert delay == pytest.approx(min(retry_after, policy.max_seconds), abs=1e-6)


@pytest.mark.parametrize(
    ("outcome", "retryable"),
    [
        (SendOutcome.failure(ErrorKind.TIMEOUT, "t"), True),
        (SendOutcome.failure(ErrorKind.CONNECTION, "refused"), True),
        (SendOutcome.failure(ErrorKind.INJECTED, "chaos"), False),
        (SendOutcome.http(408), True),
        (SendOutcome.http(429), True),
        (SendOutcome.http(500), True),
        (SendOutcome.http(599), True),
        (SendOutcome.http(400), False),
        (SendOutcome.http(403), False),
        (SendOutcome.http(499), False),
        (SendOutcome.http(200), False),
        (SendOutcome.http(202), False),
    ],
)
def test_which_outcomes_are_worth_retrying(outcome, retryable):
    assert outcome.retryable is retryable


@given(st.integers(1, 10), st.integers(0, 12))
def test_no_retry_once_the_attempts_are_spent(max_attempts, attempts):
    policy = RetryPolicy(max_attempts=max_attempts)
    assert policy.should_retry(SendOutcome.http(503), attempts) is (attempts < max_attempts)


def test_a_policy_without_attempts_is_refused():
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
