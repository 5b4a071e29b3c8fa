"""Dispatch one batch: claim due messages, send them concurrently, record every outcome at once."""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from collections.abc import Sequence
from datetime import timedelta
from random import Random

import msgspec

from insider_core.message import Message
from insider_core.outcome import ErrorKind, SendOutcome
from insider_core.ports import Clock, MessageRepository, MessageSender, SentCache
from insider_core.recording import BatchReport, DispatchObserver, ResultRecorder
from insider_core.records import DeliveryAttempt, DeliveryResult
from insider_core.retry import RetryPolicy
from insider_core.validation import truncate_for_sending

log = logging.getLogger(__name__)

LEASE_MARGIN_SECONDS = 30.0


class DispatchConfig(msgspec.Struct, frozen=True, kw_only=True):
    concurrency: int = 16
    max_content_length: int = 1000
    send_timeout_seconds: float = 30.0
    lease_seconds: float | None = None
    """Unset: long enough for every wave of a batch to time out, plus a margin."""

    def lease_for(self, batch_size: int) -> timedelta:
        if self.lease_seconds is not None:
            return timedelta(seconds=self.lease_seconds)
        waves = math.ceil(batch_size / max(self.concurrency, 1))
        return timedelta(seconds=self.send_timeout_seconds * waves + LEASE_MARGIN_SECONDS)


class Dispatcher:
    def __init__(
        self,
        repository: MessageRepository,
        sender: MessageSender,
        cache: SentCache,
        clock: Clock,
        policy: RetryPolicy,
        config: DispatchConfig,
        rng: Random | None = None,
        observers: Sequence[DispatchObserver] = (),
    ) -> None:
        self.repository = repository
        self.sender = sender
        self.cache = cache
        self.clock = clock
        self.policy = policy
        self.config = config
        self.rng = rng or Random()
        self.observers = list(observers)
        self.recorder = ResultRecorder(repository, cache, self.observers)

    async def dispatch_batch(self, batch_size: int, failure_rate: float = 0.0) -> BatchReport:
        """Claim, send and record one batch. Results held from a store outage are written
        first, in a run of their own: nothing new is claimed until they are (while the store
        is still down, StoreUnavailable propagates)."""
        if self.recorder.holding:
            return await self.recorder.record_held()
        now = self.clock.now()
        token = uuid.uuid4().hex
        lease_until = now + self.config.lease_for(batch_size)
        claimed = await self.repository.claim_due(batch_size, now, lease_until, token)
        if not claimed:
            return BatchReport()
        results = await self._deliver_all(claimed, token, failure_rate)
        return await self.recorder.record(results)

    async def _deliver_all(
        self, claimed: Sequence[Message], token: str, failure_rate: float
    ) -> list[DeliveryResult]:
        """A fixed pool of `concurrency` workers taking the claimed messages in order; the
        results come back in the order of `claimed`."""
        results: dict[int, DeliveryResult] = {}
        indexes = iter(range(len(claimed)))

        async def worker() -> None:
            for index in indexes:
                results[index] = await self._deliver(claimed[index], token, failure_rate)

        workers = max(1, min(self.config.concurrency, len(claimed)))
        await asyncio.gather(*(worker() for _ in range(workers)))
        return [results[index] for index in range(len(claimed))]

    async def _deliver(self, message: Message, token: str, failure_rate: float) -> DeliveryResult:
        started_at = self.clock.now()
        outcome = self._injected_failure(failure_rate)
        if outcome is None:
            content = truncate_for_sending(message.content, self.config.max_content_length)
            outcome = await self.sender.send(message, content)
        finished_at = self.clock.now()
        updated = message.record(outcome, self.policy, finished_at, self.rng)
        if log.isEnabledFor(logging.INFO):
            _log_outcome(updated, outcome)
        return DeliveryResult(
            message=updated,
            claim_token=token,
            attempt=DeliveryAttempt(
                message_id=message.id,
                attempt_number=message.attempts,
                started_at=started_at,
                duration_ms=round(outcome.duration_seconds * 1000),
                http_status=outcome.http_status,
                error_kind=outcome.error_kind,
                detail=DeliveryAttempt.clip(outcome.error),
            ),
        )

    def _injected_failure(self, failure_rate: float) -> SendOutcome | None:
        if failure_rate > 0 and self.rng.random() < failure_rate:
            return SendOutcome.failure(
                ErrorKind.INJECTED, f"failure injected on purpose (failureRate={failure_rate})"
            )
        return None


def _log_outcome(message: Message, outcome: SendOutcome) -> None:
    log.info(
        "message %s",
        message.status.value,
        extra={
            "message_id": message.id,
            "attempt": message.attempts,
            "http_status": outcome.http_status,
            "webhook_message_id": message.message_id,
            "error": outcome.error,
            "duration_ms": round(outcome.duration_seconds * 1000),
        },
    )
