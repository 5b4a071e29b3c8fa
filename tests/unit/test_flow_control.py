"""The dispatcher against a receiver with outages and limits, over the in-memory adapters."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from factories import pending_message
from harness import Harness, settle
from hypothesis import given
from hypothesis import strategies as st

from adapters.memory import ScriptedSender
from adapters.memory.sender import accept
from insider_core import (
    BreakerConfig,
    BreakerState,
    CircuitBreaker,
    ClusterRateLimit,
    DispatchConfig,
    Dispatcher,
    Message,
    MessageStatus,
    ReceiverAlert,
    ReceiverAlerts,
    RetryPolicy,
    SendOutcome,
)

LEAD = timedelta(milliseconds=250)
FAST_RETRIES = RetryPolicy(max_attempts=3, base_seconds=1, max_seconds=4)


class Receiver(ScriptedSender):
    """Answers 503 while `down`, 202 otherwise."""

    def __init__(self, down: bool = False, answer: SendOutcome | None = None) -> None:
        super().__init__(self._answer)
        self.down = down
        self.outage_answer = answer or SendOutcome.http(503)

    def _answer(self, message: Message) -> SendOutcome:
        return self.outage_answer if self.down else accept(message)


def harness_with(receiver: Receiver, **options) -> Harness:  # type: ignore[no-untyped-def]
    breaker = CircuitBreaker(BreakerConfig(window=20, min_sends=5))
    return Harness(receiver, policy=FAST_RETRIES, breaker=breaker, **options)


async def test_when_the_receiver_goes_down_the_unsent_rest_of_the_batch_is_released():
    receiver = Receiver(down=True)
    harness = harness_with(receiver, dispatch=DispatchConfig(concurrency=1))
    await harness.create(50)

    report = await harness.dispatcher.dispatch_batch(50)

    assert len(receiver.sent) == 5  # the breaker opened on the fifth failure
    assert (report.attempted, report.released) == (5, 45)
    stats = await harness.service.stats()
    assert (stats.pending, stats.sending, stats.failed) == (50, 0, 0)
    released = [await harness.repository.get(n) for n in range(6, 51)]
    assert all(m is not None and m.attempts == 0 for m in released)
    assert await harness.repository.list_attempts(6) == []
    assert harness.dispatcher.receiver_status().state is BreakerState.OPEN


async def test_an_open_breaker_claims_nothing_and_a_probe_closes_it_when_the_receiver_is_back():
    receiver = Receiver(down=True)
    harness = harness_with(receiver, dispatch=DispatchConfig(concurrency=1))
    await harness.create(20)
    await harness.dispatcher.dispatch_batch(20)
    assert (await harness.dispatcher.dispatch_batch(20)).claimed == 0

    receiver.down = False
    harness.clock.advance(1)
    probe = await harness.dispatcher.dispatch_batch(20)
    after = await harness.dispatcher.dispatch_batch(20)

    assert (probe.claimed, probe.sent) == (1, 1)
    assert harness.dispatcher.receiver_status().state is BreakerState.CLOSED
    assert after.sent == 19
    assert (await harness.service.stats()).sent == 20


async def test_a_retry_after_pauses_the_whole_batch_and_the_next_claims():
    answer = SendOutcome.http(429, retry_after_seconds=30)
    receiver = Receiver(down=True, answer=answer)
    harness = harness_with(receiver, dispatch=DispatchConfig(concurrency=1))
    await harness.create(10)

    report = await harness.dispatcher.dispatch_batch(10)

    assert (report.attempted, report.released) == (1, 9)
    assert harness.dispatcher.ready_at() == harness.clock.now() + timedelta(seconds=30)
    assert (await harness.dispatcher.dispatch_batch(10)).claimed == 0
    receiver.down = False
    harness.clock.advance(30)
    assert (await harness.dispatcher.dispatch_batch(10)).sent == 10


async def test_a_receiver_outage_dead_letters_nothing_and_everything_is_sent_after_it():
    """The issue's figure, on fakes: 1,000 due messages, a receiver answering 503 for 20 s,
    retries of 1 to 4 s and 3 attempts."""
    receiver = Receiver(down=True)
    harness = harness_with(receiver, dispatch=DispatchConfig(concurrency=16))
    await harness.create(1000)
    outage_ends = harness.clock.now() + timedelta(seconds=20)

    while harness.clock.now() < outage_ends + timedelta(seconds=60):
        if harness.clock.now() >= outage_ends:
            receiver.down = False
        await harness.dispatcher.dispatch_batch(100)
        harness.clock.advance(0.1)
        if (await harness.service.stats()).sent == 1000:
            break

    stats = await harness.service.stats()
    during_outage = [m for m, _ in receiver.sent][: len(receiver.sent) - 1000]
    assert (stats.sent, stats.failed) == (1000, 0)
    assert len(during_outage) <= 200
    assert harness.clock.now() <= outage_ends + timedelta(seconds=60)


def stamp_sends(harness: Harness) -> list[timedelta]:
    """When the receiver got each message, counted from now."""
    sent_at: list[timedelta] = []
    start = harness.clock.now()

    def stamped(message: Message) -> SendOutcome:
        sent_at.append(harness.clock.now() - start)
        return accept(message)

    harness.sender.script = stamped
    return sent_at


async def test_the_rate_limit_spaces_sends_one_slot_apart_and_claims_only_a_second_of_them():
    harness = Harness(ScriptedSender(), rate_limit=10)
    sent_at = stamp_sends(harness)
    await harness.create(50)

    batch = asyncio.ensure_future(harness.dispatcher.dispatch_batch(50))
    await settle()
    for _ in range(30):
        await harness.advance(0.05)
    report = await batch

    assert report.claimed == 10  # a second's worth at 10/s
    assert (await harness.service.stats()).pending == 40
    assert sent_at == [LEAD + timedelta(seconds=n / 10) for n in range(10)]


async def test_dispatchers_sharing_a_store_share_its_rate_limit():
    first = Harness(ScriptedSender(), rate_limit=10)
    sent_at = stamp_sends(first)
    second = Dispatcher(
        first.repository,
        first.sender,
        first.cache,
        first.clock,
        RetryPolicy(),
        DispatchConfig(),
        send_rate=ClusterRateLimit(first.repository, first.clock, 10),
    )
    await first.create(50)

    batches = [
        asyncio.ensure_future(first.dispatcher.dispatch_batch(50)),
        asyncio.ensure_future(second.dispatch_batch(50)),
    ]
    await settle()
    for _ in range(60):
        await first.advance(0.05)
    reports = await asyncio.gather(*batches)

    assert [report.claimed for report in reports] == [10, 10]
    assert sent_at == [LEAD + timedelta(seconds=n / 10) for n in range(20)]


@given(attempts=st.integers(min_value=0, max_value=9))
def test_a_released_message_keeps_the_attempt_count_it_had_before_the_claim(attempts: int):
    pending = pending_message(attempts=attempts)
    claimed = pending.claim(pending.next_attempt_at, pending.next_attempt_at, "token")

    released = claimed.release(pending.next_attempt_at)

    assert released.status is MessageStatus.PENDING
    assert released.attempts == attempts
    assert released.next_attempt_at == pending.next_attempt_at
    assert (released.lease_until, released.claim_token) == (None, None)


async def test_a_receiver_alert_the_webhook_refused_is_logged_and_sending_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    harness = Harness()
    harness.notifier.available = False
    alerts = ReceiverAlerts(harness.notifier, harness.clock)
    breaker = CircuitBreaker(BreakerConfig(min_sends=1), listeners=[alerts])
    permit = breaker.permit(harness.clock.now())
    assert permit is not None

    breaker.observe(permit, SendOutcome.http(503), harness.clock.now())
    await settle()

    assert "alert could not be delivered" in caplog.text
    assert harness.notifier.alerts == []
    assert breaker.status().state is BreakerState.OPEN


async def test_the_alert_webhook_hears_when_the_breaker_opens_and_when_it_closes():
    harness = Harness()
    alerts = ReceiverAlerts(harness.notifier, harness.clock)
    breaker = CircuitBreaker(BreakerConfig(min_sends=1), listeners=[alerts])
    permit = breaker.permit(harness.clock.now())
    assert permit is not None
    breaker.observe(permit, SendOutcome.http(503), harness.clock.now())
    await settle()
    breaker.allowance(1, harness.clock.now() + timedelta(seconds=1))
    probe = breaker.permit(harness.clock.now() + timedelta(seconds=1))
    assert probe is not None
    breaker.observe(probe, SendOutcome.http(202, receipt_id="m"), harness.clock.now())
    await settle()

    down, up = harness.notifier.alerts
    assert isinstance(down, ReceiverAlert)
    assert isinstance(up, ReceiverAlert)
    assert (down.alert, down.state, down.reason) == (
        "receiver_down",
        "open",
        "1 of the last 1 sends failed: HTTP 503",
    )
    assert (up.alert, up.state) == ("receiver_up", "closed")


async def test_a_message_whose_slot_passed_while_no_worker_was_free_is_released_not_sent_late():
    harness = Harness(ScriptedSender(), rate_limit=100, dispatch=DispatchConfig(concurrency=1))
    sent_at = stamp_sends(harness)
    await harness.create(5)

    batch = asyncio.ensure_future(harness.dispatcher.dispatch_batch(5))
    await settle()
    await harness.advance(0.25)  # slot 0: sent
    await harness.advance(0.05)  # slots 1 to 4 (10 ms apart) are 40 down to 10 ms late
    report = await batch

    assert sent_at == [LEAD, LEAD + timedelta(milliseconds=50)]
    assert (report.attempted, report.released) == (2, 3)  # slot 4 was still in time
    assert (await harness.service.stats()).pending == 3


def first_send_alone(receiver: Receiver, **options) -> Harness:  # type: ignore[no-untyped-def]
    breaker = CircuitBreaker(BreakerConfig(window=20, min_sends=5), first_send_alone=True)
    return Harness(receiver, policy=FAST_RETRIES, breaker=breaker, **options)


async def test_a_process_that_starts_during_an_outage_learns_of_it_from_one_request():
    receiver = Receiver(down=True)
    harness = first_send_alone(receiver, dispatch=DispatchConfig(concurrency=16))
    await harness.create(50)

    report = await harness.dispatcher.dispatch_batch(50)

    assert len(receiver.sent) == 1
    assert (report.attempted, report.released) == (1, 49)
    assert harness.dispatcher.receiver_status().state is BreakerState.OPEN
    assert harness.dispatcher.receiver_status().reason == "the first send failed: HTTP 503"


async def test_after_its_first_send_is_answered_the_batch_sends_the_rest_concurrently():
    receiver = Receiver()
    receiver.latency_seconds = 0.001
    harness = first_send_alone(receiver, dispatch=DispatchConfig(concurrency=8))
    await harness.create(17)

    report = await harness.dispatcher.dispatch_batch(17)

    assert report.sent == 17
    assert receiver.peak_in_flight == 8
    assert harness.dispatcher.receiver_status().state is BreakerState.CLOSED
    assert harness.dispatcher.breaker.trial_permit() is None  # once is enough


async def test_while_the_first_send_is_out_no_other_batch_is_claimed():
    receiver = Receiver()
    receiver.latency_seconds = 0.01
    harness = first_send_alone(receiver)
    await harness.create(10)

    first = asyncio.create_task(harness.dispatcher.dispatch_batch(5))
    await settle()
    second = await harness.dispatcher.dispatch_batch(5)

    assert second.claimed == 0
    assert (await first).sent == 5
    assert (await harness.dispatcher.dispatch_batch(5)).sent == 5


async def test_a_first_send_failed_on_purpose_leaves_the_trial_to_the_next_batch():
    receiver = Receiver(down=True)
    harness = first_send_alone(receiver)
    await harness.create(2)

    harness.injection.rate = 1.0
    await harness.dispatcher.dispatch_batch(1)
    harness.injection.rate = 0.0
    await harness.dispatcher.dispatch_batch(1)

    assert len(receiver.sent) == 1
    assert harness.dispatcher.receiver_status().state is BreakerState.OPEN


async def test_the_other_batches_look_again_soon_after_the_first_send_is_answered():
    harness = first_send_alone(Receiver())
    await harness.create(2)
    breaker = harness.dispatcher.breaker
    now = harness.clock.now()

    assert breaker.allowance(5, now) == 5  # takes the first send
    assert breaker.allowance(5, now) == 0
    ready = breaker.ready_at(now)

    assert ready is not None
    assert (ready - now).total_seconds() <= 0.1
