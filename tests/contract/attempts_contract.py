"""The log of delivery attempts: listed per message, pruned by age."""

from __future__ import annotations

from datetime import timedelta

import msgspec

from adapters.memory import ManualClock
from contract.repository_support import (
    ACCEPTED,
    UNAVAILABLE,
    RepositoryContractBase,
    outcome_of,
)
from insider_core import (
    MessageRepository,
)


class AttemptsLogContract(RepositoryContractBase):
    # Attempts

    async def test_a_message_never_sent_has_no_attempts(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        [message] = await self.add_at(repository, clock.now())

        assert await repository.list_attempts(message.id) == []

    async def test_attempts_are_listed_in_the_order_they_were_made(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        [retried] = await self.settle(repository, clock.now(), UNAVAILABLE)
        due = retried.next_attempt_at
        [claimed] = await self.claim(repository, due)
        second = outcome_of(claimed, ACCEPTED, due)
        await repository.save_results([second])

        attempts = await repository.list_attempts(retried.id)

        assert [a.attempt_number for a in attempts] == [1, 2]
        assert [a.http_status for a in attempts] == [503, 202]
        assert attempts[1] == second.attempt

    async def test_pruning_removes_only_attempts_started_before_the_cutoff(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        await self.add_at(repository, now, now, now)
        claimed = await self.claim(repository, now)
        results = []
        for message, offset in zip(claimed, (-1, 0, 1), strict=True):
            result = outcome_of(message, ACCEPTED, now)
            started_at = now + timedelta(seconds=offset)
            attempt = msgspec.structs.replace(result.attempt, started_at=started_at)
            results.append(msgspec.structs.replace(result, attempt=attempt))
        await repository.save_results(results)

        assert await repository.prune_attempts(now) == 1

        remaining = [await repository.list_attempts(m.id) for m in claimed]
        assert [len(a) for a in remaining] == [0, 1, 1]
        assert await repository.prune_attempts(now) == 0
