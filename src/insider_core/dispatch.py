"""Dispatch one batch: claim due messages, send them concurrently, record every outcome at once."""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from random import Random

import msgspec

from insider_core.batch_report import BatchReport
from insider_core.breaker import CircuitBreaker, ReceiverStatus
from insider_core.delivery import MessageDelivery
from insider_core.errors import StoreUnavailable
from insider_core.message import Message
from insider_core.ports import (
    Clock,
    DispatchObserver,
    MessageRepository,
    MessageSender,
    SendRate,
    SentCache,
)
from insider_core.result_writer import ResultWriter
from insider_core.retry import RetryPolicy
from insider_core.send_rate import Unlimited
from insider_core.service_breaker import ServiceBreaker
from insider_core.values import DeliveryResult, SlotGrant

log = logging.getLogger(__name__)

LEASE_MARGIN_SECONDS = 30.0


class DispatchConfig(msgspec.Struct, frozen=True, kw_only=True):
    concurrency: int = 16
    max_content_length: int = 1000
    send_timeout_seconds: float = 30.0
    lease_seconds: float | None = None
    """Unset: long enough for every wave of a batch to time out, plus a margin."""

    def lease_for(self, batch_size: int, queued_ahead: int = 0) -> timedelta:
        """The lease of a batch claimed while earlier batches still have `queued_ahead`
        messages to send: its sends share the connections with theirs, so their time is
        added to its own."""
        waiting = self.send_timeout_seconds * self._waves(queued_ahead)
        if self.lease_seconds is not None:
            return timedelta(seconds=waiting + self.lease_seconds)
        sending = self.send_timeout_seconds * self._waves(batch_size) + LEASE_MARGIN_SECONDS
        return timedelta(seconds=waiting + sending)

    def _waves(self, count: int) -> int:
        return math.ceil(count / max(self.concurrency, 1))


class Dispatcher:
    """Claims, sends and records batches, within what the receiver allows: the circuit
    breaker and the Retry-After pauses it keeps, and the cluster's send rate."""

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
        breaker: CircuitBreaker | None = None,
        send_rate: SendRate | None = None,
        shared_breaker: ServiceBreaker | None = None,
    ) -> None:
        self.repository = repository
        self.sender = sender
        self.cache = cache
        self.clock = clock
        self.policy = policy
        self.config = config
        self.rng = rng or Random()
        self.breaker = breaker or CircuitBreaker()
        self.shared_breaker = shared_breaker
        """The service's breaker, when instances share a store: it decides who probes."""
        self.send_rate = send_rate or Unlimited(clock)
        self.observers = list(observers)
        self.result_writer = ResultWriter(repository, cache, self.observers, clock)
        self.delivery = MessageDelivery(
            sender, clock, policy, config.max_content_length, self.rng, self.breaker
        )
        self._next_slot_at: datetime | None = None
        self._queued = 0
        """Messages claimed by the batches in flight, until each batch has sent them all. A
        batch claimed meanwhile shares the webhook's connections with them."""

    def receiver_status(self) -> ReceiverStatus:
        return self.breaker.status()

    async def write_held_results(self) -> None:
        """One last try, before the process goes, to write results held through a store
        outage; logs what stays unwritten."""
        result_writer = self.result_writer
        if not result_writer.holding:
            return
        try:
            await result_writer.write_held()
        except StoreUnavailable:
            log.error(
                "store still unavailable at shutdown: %d results not recorded; their messages "
                "stay sending until the lease expires, then are sent again with the same "
                "Idempotency-Key (message ids %s)",
                result_writer.holding,
                result_writer.held_message_ids,
            )

    def ready_at(self) -> datetime | None:
        """When a batch can next send something, if not now: the breaker's next probe, the
        end of a pause the receiver asked for, or the cluster's next free send slot."""
        now = self.clock.now()
        waits = [self.breaker.ready_at(now), self._next_slot_at]
        latest = max((wait for wait in waits if wait is not None), default=None)
        return latest if latest is not None and latest > now else None

    async def dispatch_batch(self, batch_size: int) -> BatchReport:
        """Claim, send and record one batch. Results held from a store outage are written
        first, in a run of their own: nothing new is claimed until they are (while the store
        is still down, StoreUnavailable propagates). Claims only what may be sent soon: none
        while the breaker is open, one probe while it is half-open, and no more than the
        send slots booked for the cluster's rate limit."""
        if self.result_writer.holding:
            return await self.result_writer.write_held()
        try:
            return await self._dispatch(batch_size)
        finally:
            self.breaker.probe_settled()

    async def _dispatch(self, batch_size: int) -> BatchReport:
        wanted = await self._allowance(batch_size)
        if wanted == 0:
            return BatchReport()
        grant = await self.send_rate.book(wanted)
        if grant.count == 0:
            self._next_slot_at = grant.start
            return BatchReport()
        self._next_slot_at = None
        now = self.clock.now()
        token = uuid.uuid4().hex
        # A paced batch waits for its slots, which follow the slots booked before it.
        queued_ahead = 0 if grant.spacing else self._queued
        lease_until = max(now, grant.end) + self.config.lease_for(grant.count, queued_ahead)
        queued = grant.count  # from the claim on: a batch claimed meanwhile sends beside these
        self._queued += queued
        try:
            claimed = await self._claim(grant, now, lease_until, token)
            claimed_at = self.clock.now()
            self._queued -= queued - len(claimed)
            queued = len(claimed)
            if not claimed:
                return BatchReport()
            results = await self._deliver_all(claimed, token, grant)
        finally:
            self._queued -= queued
        sending_ended = self.clock.now()
        return await self.result_writer.write(
            results, _seconds(now, claimed_at), _seconds(claimed_at, sending_ended)
        )

    async def _allowance(self, batch_size: int) -> int:
        if self.shared_breaker is not None:
            return await self.shared_breaker.allowance(batch_size)
        return self.breaker.allowance(batch_size, self.clock.now())

    async def _claim(
        self, grant: SlotGrant, now: datetime, lease_until: datetime, token: str
    ) -> list[Message]:
        """Up to the grant's count of due messages; the slots left unused go back."""
        try:
            claimed = await self.repository.claim_due(
                grant.count, now, lease_until, token, max_attempts=self.policy.max_attempts
            )
        except BaseException:
            await self.send_rate.give_back(grant, 0)
            raise
        await self.send_rate.give_back(grant, len(claimed))
        return claimed

    async def _deliver_all(
        self, claimed: Sequence[Message], token: str, grant: SlotGrant
    ) -> list[DeliveryResult]:
        """A fixed pool of `concurrency` workers taking the claimed messages in order, each
        sent at its send slot (or released, if no worker was free in time for it); the
        results come back in the order of `claimed`."""
        results: dict[int, DeliveryResult] = {}
        paced = bool(grant.spacing)
        trial = None if paced else self.breaker.trial_permit()
        if trial is not None:
            try:
                results[0] = await self.delivery.deliver(claimed[0], token, trial)
            finally:
                self.breaker.trial_over(trial)
        indexes = iter(range(len(results), len(claimed)))

        async def worker() -> None:
            for index in indexes:
                if paced:
                    await self._sleep_until(grant.slot(index))
                    if grant.missed(index, self.clock.now()):
                        results[index] = DeliveryResult.released(
                            claimed[index], token, self.clock.now()
                        )
                        continue
                results[index] = await self.delivery.deliver(claimed[index], token)

        workers = max(1, min(self.config.concurrency, len(claimed)))
        await asyncio.gather(*(worker() for _ in range(workers)))
        return [results[index] for index in range(len(claimed))]

    async def _sleep_until(self, moment: datetime) -> None:
        wait = (moment - self.clock.now()).total_seconds()
        if wait > 0:
            await self.clock.sleep(wait)


def _seconds(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds()
