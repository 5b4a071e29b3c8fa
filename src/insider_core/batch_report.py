"""What became of one batch: its results, how many the store took, and its phases' times."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from insider_core.status import MessageStatus
from insider_core.values import DeliveryResult


class BatchPhases(msgspec.Struct, frozen=True, kw_only=True):
    """Seconds, by the Clock, a batch spent claiming its messages, sending them, and
    recording what became of them (the sent cache, then the store)."""

    claim: float
    send: float
    record: float


class BatchReport(msgspec.Struct, frozen=True, kw_only=True):
    results: Sequence[DeliveryResult] = ()
    saved: int = 0
    """How many results the store took; one whose claim token no longer held is not."""
    phases: BatchPhases | None = None
    """None for results held through a store outage and written once it answered."""

    @property
    def claimed(self) -> int:
        return len(self.results)

    @property
    def released(self) -> int:
        """Claimed, then given back unsent: the receiver was unavailable."""
        return sum(1 for result in self.results if result.attempt is None)

    @property
    def attempted(self) -> int:
        return self.claimed - self.released

    def count(self, status: MessageStatus) -> int:
        return sum(
            1
            for result in self.results
            if result.attempt is not None and result.message.status is status
        )

    @property
    def sent(self) -> int:
        return self.count(MessageStatus.SENT)

    @property
    def retried(self) -> int:
        return self.count(MessageStatus.PENDING)

    @property
    def dead_lettered(self) -> int:
        return self.count(MessageStatus.FAILED)

    @property
    def failed_attempts(self) -> int:
        return self.attempted - self.sent

    @property
    def all_failed(self) -> bool:
        return self.attempted > 0 and self.sent == 0
