from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from harness import Harness, settle

from adapters.memory import InMemoryMessageRepository, ManualClock, ScriptedSender
from adapters.memory.sender import accept, respond, time_out
from insider_core import (
    BatchPhases,
    BatchReport,
    DispatchConfig,
    Message,
    MessageStatus,
    RetryPolicy,
    SendOutcome,
    StoreUnavailable,
)
from insider_core.ports import SentCache
from insider_core.values import DeliveryResult


async def test_a_batch_sends_due_messages_and_records_them_sent():
    harness = Harness()
    await harness.create(3)
    report = await harness.dispatcher.dispatch_batch(2)
    assert (report.claimed, report.sent, report.saved) == (2, 2, 2)
    stats = await harness.service.stats()
    assert (stats.pending, stats.sent) == (1, 2)


async def test_sends_run_concurrently_within_the_configured_bound():
    sender = ScriptedSender(latency_seconds=0.01)
    harness = Harness(sender, dispatch=DispatchConfig(concurrency=3))
    await harness.create(10)
    await harness.dispatcher.dispatch_batch(10)
    assert sender.peak_in_flight == 3
    assert len(sender.sent) == 10


class CountingRepository(InMemoryMessageRepository):
    def __init__(self) -> None:
        super().__init__()
        self.record_calls = 0

    async def save_results(self, results):  # type: ignore[no-untyped-def]
        self.record_calls += 1
        return await super().save_results(results)


async def test_all_outcomes_of_a_batch_are_recorded_in_one_call():
    repository = CountingRepository()
    harness = Harness(repository=repository)
    await harness.create(5)
    await harness.dispatcher.dispatch_batch(5)
    assert repository.record_calls == 1


async def test_content_longer_than_the_limit_is_cut_when_sent():
    sender = ScriptedSender()
    harness = Harness(sender, dispatch=DispatchConfig(max_content_length=10))
    await harness.service.create("a" * 8 + "🚀🚀🚀", "+905551234567")
    await harness.dispatcher.dispatch_batch(1)
    assert sender.sent[0][1] == "a" * 7 + "..."


async def test_sent_messages_are_cached_with_their_webhook_id():
    harness = Harness()
    await harness.create(2)
    await harness.dispatcher.dispatch_batch(2)
    cached = await harness.service.cached()
    assert {entry.receipt_id for entry in cached.entries} == {"wh-1-1", "wh-2-1"}


async def test_a_cache_outage_does_not_stop_delivery():
    harness = Harness()
    harness.cache.available = False
    await harness.create(2)
    report = await harness.dispatcher.dispatch_batch(2)
    assert report.sent == 2
    assert (await harness.service.stats()).sent == 2


async def test_a_retry_carries_the_same_idempotency_key():
    sender = ScriptedSender(respond(503))
    harness = Harness(sender, policy=RetryPolicy(base_seconds=1, max_seconds=1))
    await harness.create(1)
    await harness.dispatcher.dispatch_batch(1)
    harness.clock.advance(2)
    sender.script = respond(202)
    await harness.dispatcher.dispatch_batch(1)
    first, second = sender.idempotency_keys
    assert first == second


async def test_failures_are_retried_then_dead_lettered_with_every_attempt_logged():
    harness = Harness(
        ScriptedSender(respond(500)), policy=RetryPolicy(base_seconds=1, max_seconds=1)
    )
    await harness.create(1)
    for _ in range(5):
        await harness.dispatcher.dispatch_batch(1)
        harness.clock.advance(2)
    message = await harness.service.get(1)
    assert message.status is MessageStatus.FAILED
    assert message.attempts == 3
    attempts = await harness.service.attempts(1)
    assert [a.attempt_number for a in attempts] == [1, 2, 3]
    assert {a.http_status for a in attempts} == {500}


async def test_failure_rate_one_fails_every_message_without_calling_the_webhook():
    sender = ScriptedSender()
    harness = Harness(sender)
    await harness.create(4)
    harness.injection.rate = 1.0
    report = await harness.dispatcher.dispatch_batch(4)
    assert report.dead_lettered == 4
    assert sender.sent == []


async def test_failure_rate_zero_injects_nothing():
    harness = Harness()
    await harness.create(4)
    harness.injection.rate = 0.0
    report = await harness.dispatcher.dispatch_batch(4)
    assert report.sent == 4


async def test_an_empty_queue_makes_an_empty_report():
    report = await Harness().dispatcher.dispatch_batch(2)
    assert (report.claimed, report.all_failed) == (0, False)


async def test_the_lease_covers_every_wave_of_a_batch_when_not_configured():
    config = DispatchConfig(concurrency=2, send_timeout_seconds=10)
    assert config.lease_for(5).total_seconds() == 3 * 10 + 30
    assert DispatchConfig(lease_seconds=7).lease_for(500).total_seconds() == 7


async def test_the_lease_adds_the_time_the_messages_queued_ahead_may_take():
    config = DispatchConfig(concurrency=2, send_timeout_seconds=10)
    assert config.lease_for(5, queued_ahead=3).total_seconds() == 2 * 10 + 3 * 10 + 30
    configured = DispatchConfig(concurrency=2, send_timeout_seconds=10, lease_seconds=7)
    assert configured.lease_for(5, queued_ahead=4).total_seconds() == 2 * 10 + 7


class GatedSender(ScriptedSender):
    """Answers at once, except for the messages held until `release`."""

    def __init__(self, held: set[int]) -> None:
        super().__init__()
        self.held = held
        self.gate = asyncio.Event()

    def release(self) -> None:
        self.gate.set()

    async def send(self, message: Message, content: str) -> SendOutcome:
        if message.id in self.held:
            await self.gate.wait()
        self.sent.append((message, content))
        return accept(message)


async def one_after_another(harness: Harness, size: int) -> list[asyncio.Task[BatchReport]]:
    """Two batches of `size` in flight, the second claimed once the first is under way."""
    batches = []
    for _ in range(2):
        batches.append(asyncio.create_task(harness.dispatcher.dispatch_batch(size)))
        await settle()
    return batches


class FirstClaimFails(InMemoryMessageRepository):
    """The store goes away during the first claim, and is back for the next."""

    def __init__(self) -> None:
        super().__init__()
        self.claims = 0

    async def claim_due(
        self,
        limit: int,
        now: datetime,
        lease_until: datetime,
        claim_token: str,
        *,
        max_attempts: int,
    ) -> list[Message]:
        await asyncio.sleep(0)
        self.claims += 1
        if self.claims == 1:
            raise StoreUnavailable("connection lost during the claim")
        return await super().claim_due(
            limit, now, lease_until, claim_token, max_attempts=max_attempts
        )


async def test_a_batch_that_failed_or_was_cancelled_no_longer_counts_ahead():
    config = DispatchConfig(concurrency=1, send_timeout_seconds=10)
    sender = GatedSender({1, 3})
    harness = Harness(sender, dispatch=config, repository=FirstClaimFails())
    await harness.create(6)
    broken, held = await one_after_another(harness, 2)
    assert isinstance(broken.exception(), StoreUnavailable)
    held.cancel()
    await settle()
    claimed_at = harness.clock.now()
    third = asyncio.create_task(harness.dispatcher.dispatch_batch(2))
    await settle()
    lease = (await harness.repository.get(3)).lease_until
    assert lease is not None
    assert (lease - claimed_at).total_seconds() == 2 * 10 + 30
    sender.release()
    assert (await third).sent == 2


async def test_a_batch_claimed_behind_another_leases_the_time_their_sends_may_take():
    sender = GatedSender({1, 5})
    config = DispatchConfig(concurrency=2, send_timeout_seconds=10)
    harness = Harness(sender, dispatch=config)
    await harness.create(8)
    claimed_at = harness.clock.now()
    first, second = await one_after_another(harness, 4)
    leases = [(await harness.repository.get(n)).lease_until for n in (1, 5)]
    assert [(lease - claimed_at).total_seconds() for lease in leases if lease] == [50, 70]
    sender.release()
    await asyncio.gather(first, second)


class SlowClaims(InMemoryMessageRepository):
    """Lets other tasks run while a claim is under way, as a real database does."""

    async def claim_due(
        self,
        limit: int,
        now: datetime,
        lease_until: datetime,
        claim_token: str,
        *,
        max_attempts: int,
    ) -> list[Message]:
        await asyncio.sleep(0)
        return await super().claim_due(
            limit, now, lease_until, claim_token, max_attempts=max_attempts
        )


async def test_a_batch_claimed_while_another_claims_leases_that_one_too():
    sender = GatedSender({1, 5})
    config = DispatchConfig(concurrency=2, send_timeout_seconds=10)
    harness = Harness(sender, dispatch=config, repository=SlowClaims())
    await harness.create(8)
    claimed_at = harness.clock.now()
    batches = [asyncio.create_task(harness.dispatcher.dispatch_batch(4)) for _ in range(2)]
    await settle()
    leases = [(await harness.repository.get(n)).lease_until for n in (1, 5)]
    assert [(lease - claimed_at).total_seconds() for lease in leases if lease] == [50, 70]
    sender.release()
    await asyncio.gather(*batches)


async def test_only_the_messages_a_batch_found_count_ahead_of_the_next():
    sender = GatedSender({1, 3})
    config = DispatchConfig(concurrency=2, send_timeout_seconds=10)
    harness = Harness(sender, dispatch=config)
    await harness.create(2)
    first = asyncio.create_task(harness.dispatcher.dispatch_batch(4))
    await settle()
    await harness.create(4)
    claimed_at = harness.clock.now()
    second = asyncio.create_task(harness.dispatcher.dispatch_batch(4))
    await settle()
    lease = (await harness.repository.get(3)).lease_until
    assert lease is not None
    assert (lease - claimed_at).total_seconds() == 1 * 10 + 2 * 10 + 30
    sender.release()
    await asyncio.gather(first, second)


async def test_a_paced_batch_leases_its_slots_not_the_queue_ahead():
    config = DispatchConfig(concurrency=2, send_timeout_seconds=10)
    harness = Harness(GatedSender({1, 2, 3, 4}), dispatch=config, rate_limit=10)
    await harness.create(8)
    batches = await one_after_another(harness, 4)
    first, second = [(await harness.repository.get(n)).lease_until for n in (1, 5)]
    assert first is not None
    assert second is not None
    assert (second - first).total_seconds() == 0.4  # four slots of 0.1 s later
    for batch in batches:
        batch.cancel()


async def test_observers_see_each_recorded_batch():
    seen = []

    class Observer:
        def batch_finished(self, report):  # type: ignore[no-untyped-def]
            seen.append(report.sent)

    harness = Harness()
    harness.dispatcher.observers.append(Observer())
    await harness.create(3)
    await harness.dispatcher.dispatch_batch(2)
    await harness.dispatcher.dispatch_batch(2)
    await asyncio.sleep(0)
    assert seen == [2, 1]


class SlowStore(InMemoryMessageRepository):
    """A claim takes two seconds and a record one, by the manual clock."""

    clock: ManualClock

    async def claim_due(
        self,
        limit: int,
        now: datetime,
        lease_until: datetime,
        claim_token: str,
        *,
        max_attempts: int,
    ) -> list[Message]:
        self.clock.advance(2)
        return await super().claim_due(
            limit, now, lease_until, claim_token, max_attempts=max_attempts
        )

    async def save_results(self, results: Sequence[DeliveryResult]) -> int:
        self.clock.advance(1)
        return await super().save_results(results)


class SlowWebhook(ScriptedSender):
    """Each answer takes half a second, by the manual clock."""

    clock: ManualClock

    async def send(self, message: Message, content: str) -> SendOutcome:
        self.clock.advance(0.5)
        return await super().send(message, content)


async def test_the_report_gives_the_time_each_phase_of_the_batch_took():
    store, webhook = SlowStore(), SlowWebhook()
    harness = Harness(webhook, repository=store)
    store.clock = webhook.clock = harness.clock
    await harness.create(3)

    report = await harness.dispatcher.dispatch_batch(3)

    assert report.sent == 3
    assert report.phases == BatchPhases(claim=2.0, send=1.5, record=1.0)


async def test_a_batch_that_claimed_nothing_reports_no_phases():
    report = await Harness().dispatcher.dispatch_batch(3)

    assert report.phases is None


class SlowFirstSender(ScriptedSender):
    """The first message answers last, so sends finish out of claim order."""

    async def send(self, message, content):  # type: ignore[no-untyped-def]
        if message.id == 1:
            await asyncio.sleep(0.02)
        return await super().send(message, content)


async def test_results_keep_the_claim_order_when_sends_finish_out_of_order():
    sender = SlowFirstSender()
    harness = Harness(sender, dispatch=DispatchConfig(concurrency=2))
    await harness.create(5)

    report = await harness.dispatcher.dispatch_batch(5)

    assert [m.id for m, _ in sender.sent][-1] == 1
    assert [result.message.id for result in report.results] == [1, 2, 3, 4, 5]
    assert [result.attempt.message_id for result in report.results] == [1, 2, 3, 4, 5]


async def test_a_batch_smaller_than_the_concurrency_sends_every_message_once():
    sender = ScriptedSender(latency_seconds=0.01)
    harness = Harness(sender, dispatch=DispatchConfig(concurrency=64))
    await harness.create(3)

    await harness.dispatcher.dispatch_batch(3)

    assert sorted(m.id for m, _ in sender.sent) == [1, 2, 3]
    assert sender.peak_in_flight == 3


class StoreThatTellsWhatItHolds(InMemoryMessageRepository):
    """Notes, as each batch is recorded, how many entries the sent cache already holds."""

    def __init__(self) -> None:
        super().__init__()
        self.cache: SentCache | None = None
        self.cached_while_recording: list[int] = []

    async def save_results(self, results):  # type: ignore[no-untyped-def]
        assert self.cache is not None
        self.cached_while_recording.append(len((await self.cache.get_page(0, 100)).entries))
        return await super().save_results(results)


async def test_the_sent_cache_holds_the_batch_before_the_store_records_it():
    store = StoreThatTellsWhatItHolds()
    harness = Harness(repository=store)
    store.cache = harness.cache
    await harness.create(2)

    report = await harness.dispatcher.dispatch_batch(2)

    assert (report.sent, report.saved) == (2, 2)
    assert store.cached_while_recording == [2]
    assert len((await harness.service.cached()).entries) == 2


async def test_a_webhook_timeout_is_retried_later():
    harness = Harness(ScriptedSender(time_out), policy=RetryPolicy(base_seconds=1, max_seconds=1))
    await harness.create(1)
    report = await harness.dispatcher.dispatch_batch(1)
    assert report.retried == 1
    message = await harness.service.get(1)
    assert message.status is MessageStatus.PENDING
    assert message.last_error == "webhook timed out"
