"""Replaying the dead-letter queue: one message, all of them, or those failed since a moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.memory import ManualClock
from contract.repository_support import (
    ACCEPTED,
    LEASE,
    REJECTED,
    UNAVAILABLE,
    RepositoryContractBase,
    ids,
)
from insider_core import (
    MessageRepository,
    MessageStats,
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
