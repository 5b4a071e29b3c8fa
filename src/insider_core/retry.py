"""When to try a failed message again, and when to give up on it."""

from __future__ import annotations

from datetime import timedelta
from random import Random

import msgspec

from insider_core.outcome import SendOutcome


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    max_attempts: int = 3
    base_seconds: float = 30.0
    max_seconds: float = 3600.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_seconds < 0 or self.max_seconds < 0:
            raise ValueError("backoff seconds must not be negative")

    def ceiling(self, attempts: int) -> float:
        """The longest wait after the `attempts`-th attempt: base * 2**(attempts-1), capped."""
        # Bounding the exponent keeps the float finite; the cap is reached long before.
        exponent = min(max(attempts - 1, 0), 1000)
        return min(self.max_seconds, self.base_seconds * 2.0**exponent)

    def backoff(
        self, attempts: int, rng: Random, retry_after_seconds: float | None = None
    ) -> timedelta:
        """Full jitter: uniform in [0, ceiling]. A receiver's Retry-After wins, within the cap."""
        if retry_after_seconds is not None:
            return timedelta(seconds=min(max(retry_after_seconds, 0.0), self.max_seconds))
        return timedelta(seconds=rng.uniform(0.0, self.ceiling(attempts)))

    def should_retry(self, outcome: SendOutcome, attempts: int) -> bool:
        return outcome.retryable and attempts < self.max_attempts
