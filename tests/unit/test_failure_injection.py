"""Failures injected on purpose (failureRate): a sender wrapped around the webhook's, which
the scheduler sets for the run it starts; the dispatcher knows nothing of it."""

from __future__ import annotations

from random import Random

import pytest
from factories import pending_message
from harness import Harness

from adapters.memory import ScriptedSender
from insider_core import (
    BreakerConfig,
    BreakerState,
    CircuitBreaker,
    ErrorKind,
    FailureInjection,
    MessageStatus,
    RetryPolicy,
    Scheduler,
    SchedulerConfig,
    SendOutcome,
)


async def test_at_rate_zero_every_message_goes_to_the_webhook() -> None:
    webhook = ScriptedSender()
    injection = FailureInjection(webhook, Random(1))

    outcome = await injection.send(pending_message(1), "hello")

    assert outcome.accepted
    assert len(webhook.sent) == 1


async def test_at_rate_one_a_message_fails_on_purpose_without_calling_the_webhook() -> None:
    webhook = ScriptedSender()
    injection = FailureInjection(webhook, Random(1))
    injection.rate = 1.0

    outcome = await injection.send(pending_message(1), "hello")

    assert outcome.error_kind is ErrorKind.INJECTED
    assert outcome.error == "failure injected on purpose (failureRate=1)"
    assert not outcome.from_receiver
    assert webhook.sent == []


async def test_the_scheduler_sets_the_rate_of_the_run_it_starts() -> None:
    harness = Harness()
    await harness.create(2)

    harness.scheduler.start(failure_rate=1.0)
    await harness.advance(0)
    await harness.scheduler.stop()

    assert harness.injection.rate == 1.0
    assert harness.sender.sent == []
    assert (await harness.service.stats()).failed == 2


def test_a_scheduler_without_the_injecting_sender_refuses_a_failure_rate() -> None:
    harness = Harness()
    scheduler = Scheduler(harness.dispatcher, harness.clock, SchedulerConfig(batch_size=2))

    with pytest.raises(ValueError, match="failure rate"):
        scheduler.start(failure_rate=0.5)
    assert not scheduler.running


async def test_a_failure_injected_into_the_probe_tells_the_breaker_nothing() -> None:
    breaker = CircuitBreaker(BreakerConfig(window=4, min_sends=1, probe_delay_seconds=1))
    harness = Harness(
        ScriptedSender(lambda _: SendOutcome.http(503)),
        breaker=breaker,
        policy=RetryPolicy(max_attempts=5, base_seconds=1, max_seconds=1),
    )
    await harness.create(3)
    await harness.dispatcher.dispatch_batch(1)  # the receiver is down: the breaker opens
    assert breaker.state is BreakerState.OPEN
    harness.clock.advance(2)

    harness.injection.rate = 1.0
    await harness.dispatcher.dispatch_batch(1)  # the probe's message fails on purpose

    assert breaker.state is not BreakerState.CLOSED
    injected = await harness.service.get(2)
    assert injected is not None
    assert injected.status is MessageStatus.FAILED  # straight to the dead-letter queue
