"""Results the store could not take during an outage are held and written when it returns,
so a batch the receiver already accepted is never sent again by the same worker."""

from __future__ import annotations

import asyncio

import pytest
from harness import Harness, settle

from adapters.memory.sender import accept
from insider_core import DispatchConfig, Message, MessageStatus, SendOutcome, StoreUnavailable

LEASE = DispatchConfig(lease_seconds=5)


def the_store_goes_down_while_sending(harness: Harness) -> None:
    """Batches are claimed as usual; the store goes down while the webhook answers, before the
    results can be recorded."""

    def accept_and_lose_the_store(message: Message) -> SendOutcome:
        harness.repository.available = False
        return accept(message)

    harness.sender.script = accept_and_lose_the_store


def the_store_comes_back(harness: Harness) -> None:
    harness.repository.available = True
    harness.sender.script = accept


async def a_batch_lost_to_an_outage(harness: Harness) -> None:
    await harness.create(3)
    the_store_goes_down_while_sending(harness)
    with pytest.raises(StoreUnavailable):
        await harness.dispatcher.dispatch_batch(2)


async def test_a_batch_the_store_could_not_record_is_held_not_dropped() -> None:
    harness = Harness(dispatch=LEASE)
    store = harness.repository
    await a_batch_lost_to_an_outage(harness)

    assert harness.dispatcher.result_writer.holding == 2
    with pytest.raises(StoreUnavailable):
        await harness.dispatcher.dispatch_batch(2)
    assert len(harness.sender.sent) == 2
    store.available = True  # answers again; nothing was written meanwhile
    assert (await store.stats()).sending == 2


async def test_held_results_are_written_before_anything_new_is_claimed() -> None:
    harness = Harness(dispatch=LEASE)
    store = harness.repository
    await a_batch_lost_to_an_outage(harness)
    the_store_comes_back(harness)

    report = await harness.dispatcher.dispatch_batch(2)

    assert (report.sent, report.saved, harness.dispatcher.result_writer.holding) == (2, 2, 0)
    assert report.phases is None  # written after the outage: no batch was claimed or sent
    assert len(harness.sender.sent) == 2
    assert len((await harness.service.cached()).entries) == 2
    assert [len(await store.list_attempts(n)) for n in (1, 2)] == [1, 1]
    stats = await store.stats()
    assert (stats.sent, stats.sending, stats.pending) == (2, 0, 1)
    await harness.dispatcher.dispatch_batch(2)
    assert len(harness.sender.sent) == 3


async def test_held_results_still_apply_after_the_lease_when_no_one_reclaimed_the_messages() -> (
    None
):
    harness = Harness(dispatch=LEASE)
    store = harness.repository
    await a_batch_lost_to_an_outage(harness)
    harness.clock.advance(60)
    the_store_comes_back(harness)

    await harness.dispatcher.dispatch_batch(2)
    await harness.dispatcher.dispatch_batch(2)

    assert (await store.stats()).sent == 3
    assert sorted(m.id for m, _ in harness.sender.sent) == [1, 2, 3]


async def test_a_held_result_for_a_message_another_worker_reclaimed_changes_nothing() -> None:
    harness = Harness(dispatch=LEASE)
    store = harness.repository
    other = Harness(repository=store, dispatch=LEASE, clock=harness.clock)
    await a_batch_lost_to_an_outage(harness)
    harness.clock.advance(60)
    the_store_comes_back(harness)
    await other.dispatcher.dispatch_batch(3)

    report = await harness.dispatcher.dispatch_batch(2)

    assert (report.claimed, report.saved) == (2, 0)
    message = await store.get(1)
    assert message is not None
    assert message.status is MessageStatus.SENT
    # The other worker's claim counted the expired lease: its attempt is the second.
    assert [a.attempt_number for a in await store.list_attempts(1)] == [2]


async def test_stop_writes_held_results_once_the_store_is_back() -> None:
    harness = Harness(dispatch=LEASE)
    store = harness.repository
    await harness.create(2)
    the_store_goes_down_while_sending(harness)
    harness.scheduler.start()
    await settle()
    assert harness.dispatcher.result_writer.holding == 2
    the_store_comes_back(harness)

    await harness.scheduler.stop()

    stats = await store.stats()
    assert (stats.sent, stats.sending, harness.dispatcher.result_writer.holding) == (2, 0, 0)


async def test_stop_names_the_results_it_could_not_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    harness = Harness(dispatch=LEASE)
    await harness.create(2)
    the_store_goes_down_while_sending(harness)
    harness.scheduler.start()
    await settle()

    await harness.scheduler.stop()

    assert "2 results not recorded" in caplog.text
    assert "[1, 2]" in caplog.text


async def test_messages_the_receiver_accepted_are_cached_though_the_store_is_down() -> None:
    harness = Harness(dispatch=LEASE)
    await a_batch_lost_to_an_outage(harness)

    assert [entry.id for entry in (await harness.service.cached()).entries] == [1, 2]


async def test_a_cache_outage_while_the_store_is_down_still_holds_the_results() -> None:
    harness = Harness(dispatch=LEASE)
    store = harness.repository
    harness.cache.available = False
    await a_batch_lost_to_an_outage(harness)
    the_store_comes_back(harness)

    report = await harness.dispatcher.dispatch_batch(2)

    assert (report.saved, harness.dispatcher.result_writer.holding) == (2, 0)
    assert (await store.stats()).sent == 2


async def test_batches_side_by_side_claim_nothing_while_one_of_them_writes_the_held_results():
    harness = Harness(dispatch=LEASE)
    await a_batch_lost_to_an_outage(harness)
    the_store_comes_back(harness)

    writing, beside = await asyncio.gather(
        harness.dispatcher.dispatch_batch(2), harness.dispatcher.dispatch_batch(2)
    )

    assert (writing.saved, beside.claimed) == (2, 0)
    assert len(harness.sender.sent) == 2
    assert harness.dispatcher.result_writer.holding == 0


async def test_results_of_batches_lost_side_by_side_are_all_held():
    harness = Harness(dispatch=LEASE)
    await harness.create(4)
    the_store_goes_down_while_sending(harness)

    lost = await asyncio.gather(
        harness.dispatcher.dispatch_batch(2),
        harness.dispatcher.dispatch_batch(2),
        return_exceptions=True,
    )

    assert all(isinstance(error, StoreUnavailable) for error in lost)
    assert sorted(harness.dispatcher.result_writer.held_message_ids) == [1, 2, 3, 4]
