"""Replaying the dead-letter queue after an outage: only what failed since a moment, and a dry
run that counts first."""

from __future__ import annotations

from datetime import timedelta

from harness import Harness

from adapters.memory.sender import respond
from insider_core import MessageStats


async def dead_letter(harness: Harness, count: int) -> None:
    """A minute later, create `count` messages that the webhook refuses for good."""
    await harness.advance(60)
    harness.sender.script = respond(400)
    for n in range(count):
        await harness.service.create(f"refused {n}", "+905551234567")
    await harness.dispatcher.dispatch_batch(count)


async def test_replaying_since_a_moment_takes_only_messages_that_failed_since_then() -> None:
    harness = Harness()
    await dead_letter(harness, 2)
    first_failures = harness.clock.now()
    await dead_letter(harness, 3)

    replayed = await harness.service.replay_all(since=harness.clock.now())

    assert replayed == 3
    assert await harness.service.stats() == MessageStats(pending=3, failed=2)
    assert await harness.service.replay_all(since=first_failures) == 2


async def test_without_since_every_failed_message_is_replayed() -> None:
    harness = Harness()
    await dead_letter(harness, 2)
    await dead_letter(harness, 1)

    assert await harness.service.replay_all() == 3
    assert await harness.service.stats() == MessageStats(pending=3)


async def test_since_a_moment_after_every_failure_replays_nothing() -> None:
    harness = Harness()
    await dead_letter(harness, 2)

    later = harness.clock.now() + timedelta(microseconds=1)

    assert await harness.service.replay_all(since=later) == 0
    assert await harness.service.stats() == MessageStats(failed=2)


async def test_a_dry_run_counts_what_would_be_replayed_and_changes_nothing() -> None:
    harness = Harness()
    await dead_letter(harness, 2)
    first_failures = harness.clock.now()
    await dead_letter(harness, 3)
    before = await harness.service.list_page(page_size=100)

    counted = (
        await harness.service.replay_all(dry_run=True),
        await harness.service.replay_all(since=harness.clock.now(), dry_run=True),
    )

    assert counted == (5, 3)
    assert await harness.service.list_page(page_size=100) == before
    assert await harness.service.replay_all(since=first_failures) == 5
