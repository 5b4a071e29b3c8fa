"""Writing the results of a batch: to the sent cache, then to the store (fenced by claim
token), then to the observers with the time each phase of the batch took. Results the store
could not take are held, not dropped."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from insider_core.batch_report import BatchPhases, BatchReport
from insider_core.errors import CacheUnavailable, StoreUnavailable
from insider_core.ports import Clock, DispatchObserver, MessageRepository, SentCache
from insider_core.status import MessageStatus
from insider_core.values import CachedSend, DeliveryResult

log = logging.getLogger(__name__)


class ResultWriter:
    """A batch whose results cannot be written because the store is unreachable has already
    reached the receiver; dropping its results would leave its messages `sending` until the
    lease expires and then send them again. So they are held and written once the store
    answers; their claim tokens still fence them against a worker that re-claimed since.
    Results stay held until they are written, so batches running side by side all see them
    and claim nothing new meanwhile; one batch at a time writes them."""

    def __init__(
        self,
        repository: MessageRepository,
        cache: SentCache,
        observers: list[DispatchObserver],
        clock: Clock,
    ) -> None:
        self.repository = repository
        self.cache = cache
        self.observers = observers
        self.clock = clock
        self._held: list[DeliveryResult] = []
        self._writing_held = asyncio.Lock()

    @property
    def holding(self) -> int:
        """How many results wait for the store to come back."""
        return len(self._held)

    @property
    def held_message_ids(self) -> list[int]:
        return [result.message.id for result in self._held]

    async def write(
        self, results: Sequence[DeliveryResult], claim_seconds: float, send_seconds: float
    ) -> BatchReport:
        """Writes the sent cache, then the store: the cache holds what the receiver accepted,
        whatever the store's fencing makes of it, and a message the store shows as sent is
        already in the cache. Raises StoreUnavailable, holding the results, when the store
        cannot be reached. The report gives the batch's phases: the claim and the sending
        as the dispatcher timed them, and this record."""
        started = self.clock.now()
        try:
            await self._cache_sent(results)
        finally:
            stored = await self._store(results)
        record_seconds = (self.clock.now() - started).total_seconds()
        phases = BatchPhases(claim=claim_seconds, send=send_seconds, record=record_seconds)
        return self._report(results, stored, phases)

    async def write_held(self) -> BatchReport:
        """To the store only: the sent cache took these results when their batch was first
        recorded."""
        async with self._writing_held:
            if not self._held:
                return BatchReport()
            results = list(self._held)
            saved = await self.repository.save_results(results)
            del self._held[: len(results)]
        report = self._report(results, saved)
        log.info("%d held results written after the store came back", len(results))
        return report

    async def _store(self, results: Sequence[DeliveryResult]) -> int:
        try:
            return await self.repository.save_results(results)
        except StoreUnavailable:
            if not self._held:
                log.warning("store unavailable: %d results held until it answers", len(results))
            self._held.extend(results)
            raise

    def _report(
        self, results: Sequence[DeliveryResult], saved: int, phases: BatchPhases | None = None
    ) -> BatchReport:
        report = BatchReport(results=results, saved=saved, phases=phases)
        for observer in self.observers:
            observer.batch_finished(report)
        return report

    async def _cache_sent(self, results: Sequence[DeliveryResult]) -> None:
        entries = [
            CachedSend(id=r.message.id, receipt_id=r.message.receipt_id, sent_at=r.message.sent_at)
            for r in results
            if r.message.sent_at is not None and r.message.status is MessageStatus.SENT
        ]
        if not entries:
            return
        try:
            await self.cache.put_many(entries)
        except CacheUnavailable as error:
            log.warning("sent cache unavailable, %d entries not cached: %s", len(entries), error)
