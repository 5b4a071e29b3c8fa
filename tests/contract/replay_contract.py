"""Replaying the dead-letter queue: one message, all of them, or those failed since a moment."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from adapters.memory import ManualClock
from contract.repository_support import (
    ACCEPTED,
    LEASE,
    REJECTED,
    UNAVAILABLE,
    RepositoryContractBase,
    ids,
    outcome_of,
)
from insider_core import (
    MessageRepository,
    MessageStats,
    MessageStatus,
    PageRequest,
)


class ReplayContract(RepositoryContractBase):
    # Replaying the dead-letter queue

    async def test_replaying_a_failed_message_gives_it_a_fresh_start(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        [failed] = await self.settle(repository, clock.now(), REJECTED)
        later = clock.now() + timedelta(hours=1, microseconds=7)

        replayed = await repository.replay_one(failed.id, later)

        assert replayed == failed.replay(later)
        assert await repository.get(failed.id) == replayed
        assert ids(await self.claim(repository, later)) == [failed.id]

    async def test_replaying_a_message_that_is_not_failed_returns_none_and_changes_nothing(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        [sent] = await self.settle(repository, clock.now(), ACCEPTED)
        [pending] = await self.add_at(repository, clock.now())

        assert await repository.replay_one(sent.id, clock.now()) is None
        assert await repository.replay_one(pending.id, clock.now()) is None
        assert await repository.replay_one(987654, clock.now()) is None
        assert await repository.get(sent.id) == sent
        assert await repository.get(pending.id) == pending

    async def test_replaying_all_replays_every_failed_message_and_only_those(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        failed = await self.settle(repository, clock.now(), REJECTED, REJECTED)
        [sent] = await self.settle(repository, clock.now(), ACCEPTED)
        later = clock.now() + timedelta(minutes=5)

        assert await repository.replay_all(later) == 2

        for message in failed:
            assert await repository.get(message.id) == message.replay(later)
        assert await repository.get(sent.id) == sent
        assert await repository.replay_all(later) == 0

    async def test_replaying_since_a_moment_replays_only_messages_failed_at_or_after_it(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        start = clock.now()
        [early] = await self.settle(repository, start, REJECTED)
        [on_time] = await self.settle(repository, start + timedelta(minutes=1), REJECTED)
        [late] = await self.settle(repository, start + timedelta(minutes=2), REJECTED)
        [sent] = await self.settle(repository, start + timedelta(minutes=3), ACCEPTED)
        later = start + timedelta(hours=1)

        replayed = await repository.replay_all(later, since=on_time.updated_at)

        assert replayed == 2
        assert await repository.get(on_time.id) == on_time.replay(later)
        assert await repository.get(late.id) == late.replay(later)
        assert await repository.get(early.id) == early
        assert await repository.get(sent.id) == sent
        assert await repository.stats() == MessageStats(pending=2, sent=1, failed=1)

    async def test_replaying_since_the_earliest_time_replays_every_failed_message(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        await self.settle(repository, clock.now(), REJECTED, REJECTED)
        earliest = datetime.min.replace(tzinfo=UTC)

        assert await repository.count_failed(since=datetime(999, 1, 1, tzinfo=UTC)) == 2
        assert await repository.replay_all(clock.now() + LEASE, since=earliest) == 2
        assert await repository.stats() == MessageStats(pending=2)

    async def test_replaying_since_a_moment_after_every_failure_replays_nothing(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        [failed] = await self.settle(repository, clock.now(), REJECTED)
        after = failed.updated_at + timedelta(microseconds=1)

        assert await repository.replay_all(after + LEASE, since=after) == 0
        assert await repository.get(failed.id) == failed
        assert await repository.stats() == MessageStats(failed=1)

    async def test_counting_failed_messages_counts_what_a_replay_would_replay(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        start = clock.now()
        await self.settle(repository, start, REJECTED, REJECTED, ACCEPTED, UNAVAILABLE)
        [recent] = await self.settle(repository, start + timedelta(minutes=1), REJECTED)
        before = await repository.list_page(PageRequest(page_size=100))

        counts = (
            await repository.count_failed(),
            await repository.count_failed(since=recent.updated_at),
            await repository.count_failed(since=recent.updated_at + timedelta(microseconds=1)),
        )

        assert counts == (3, 1, 0)
        assert await repository.list_page(PageRequest(page_size=100)) == before
        assert await repository.replay_all(start + LEASE, since=recent.updated_at) == 1
        assert await repository.count_failed() == 2

    async def test_a_replay_of_more_failed_messages_than_one_chunk_replays_them_all_exactly(
        self, repository: MessageRepository, clock: ManualClock, replay_chunk_rows: int
    ) -> None:
        start = clock.now()
        minute_later = start + timedelta(minutes=1)
        # Every other message fails a minute later: those a replay since then takes are spread
        # over the chunks of the id order, among those it leaves.
        failed = await self.refuse_all(repository, 3 * replay_chunk_rows + 7, start, minute_later)
        later = start + timedelta(hours=1)

        replayed_since = await repository.replay_all(later, since=minute_later)
        stats_since = await repository.stats()
        replayed_rest = await repository.replay_all(later)

        assert replayed_since == len(failed[1::2])
        assert stats_since == MessageStats(pending=len(failed[1::2]), failed=len(failed[::2]))
        assert replayed_rest == len(failed[::2])
        assert await repository.stats() == MessageStats(pending=len(failed))
        assert await repository.get(failed[-1].id) == failed[-1].replay(later)
        assert await repository.replay_all(later) == 0

    async def test_other_work_goes_on_between_the_chunks_of_a_long_replay(
        self, repository: MessageRepository, clock: ManualClock, replay_chunk_rows: int
    ) -> None:
        failed = await self.refuse_all(repository, 4 * replay_chunk_rows, clock.now())
        replay = asyncio.create_task(repository.replay_all(clock.now() + LEASE))
        pending_seen = []

        while not replay.done():
            pending_seen.append((await repository.stats()).pending)

        assert await replay == len(failed)
        assert any(0 < pending < len(failed) for pending in pending_seen), pending_seen

    async def test_a_message_that_fails_again_while_the_replay_runs_stays_failed_and_counted(
        self, repository: MessageRepository, clock: ManualClock, replay_chunk_rows: int
    ) -> None:
        failed = await self.refuse_all(repository, 3 * replay_chunk_rows, clock.now())
        later = clock.now() + LEASE
        replay = asyncio.create_task(repository.replay_all(later))
        failed_again: list[int] = []

        # A worker sends what the replay has made pending so far, and the receiver refuses it.
        while not replay.done():
            claimed = await self.claim(repository, later, limit=50)
            await repository.save_results([outcome_of(m, REJECTED, later) for m in claimed])
            failed_again += ids(claimed)

        assert await replay == len(failed)
        assert failed_again
        for message_id in failed_again:
            message = await repository.get(message_id)
            assert message is not None
            assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
        assert await repository.count_failed() == len(failed_again)
        assert await repository.stats() == MessageStats(
            pending=len(failed) - len(failed_again), failed=len(failed_again)
        )
