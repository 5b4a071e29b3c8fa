"""Claiming due messages and recording their outcomes, fenced by the claim token."""

from __future__ import annotations

from datetime import timedelta

from adapters.memory import ManualClock
from contract.repository_support import (
    ACCEPTED,
    LEASE,
    MAX_ATTEMPTS,
    REJECTED,
    TIMED_OUT,
    UNAVAILABLE,
    RepositoryContractBase,
    ids,
    new_message,
    outcome_of,
)
from insider_core import (
    MessageRepository,
    MessageStats,
    MessageStatus,
    PageRequest,
    SendOutcome,
    shorten,
)
from insider_core.claiming import claim_each
from insider_core.message import LEASE_EXPIRED
from insider_core.values import ATTEMPT_DETAIL_LIMIT


class ClaimsContract(RepositoryContractBase):
    # Claiming

    async def test_the_claim_takes_the_oldest_due_first_up_to_the_limit(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        # Added newest first, so due order and id order disagree.
        added = await self.add_at(repository, *(now - timedelta(seconds=s) for s in range(5)))

        claimed = await self.claim(repository, now, limit=3)

        assert ids(claimed) == ids(added)[::-1][:3]
        assert {m.status for m in claimed} == {MessageStatus.SENDING}

    async def test_messages_due_at_the_same_moment_are_claimed_lowest_id_first(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        added = await self.add_at(repository, *([clock.now()] * 4))

        claimed = await self.claim(repository, clock.now(), limit=2)

        assert ids(claimed) == ids(added)[:2]

    async def test_a_claim_with_a_limit_of_zero_takes_nothing(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        await self.add_at(repository, clock.now())

        assert await self.claim(repository, clock.now(), limit=0) == []

    async def test_the_claim_skips_messages_not_yet_due_and_takes_those_due_exactly_now(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        due_now, later = await self.add_at(repository, now, now + timedelta(microseconds=1))

        claimed = await self.claim(repository, now)

        assert ids(claimed) == [due_now.id]
        assert (await repository.get(later.id)) == later

    async def test_the_claim_never_takes_sent_or_failed_messages(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        await self.settle(repository, clock.now(), ACCEPTED, REJECTED)

        assert await self.claim(repository, clock.now() + timedelta(days=365)) == []

    async def test_a_claimed_message_stays_unclaimable_until_its_lease_has_passed(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        await self.add_at(repository, now)
        [claimed] = await self.claim(repository, now)
        assert claimed.lease_until is not None

        assert await self.claim(repository, now) == []
        assert await self.claim(repository, claimed.lease_until) == []
        recovered = await self.claim(repository, claimed.lease_until + timedelta(microseconds=1))
        assert ids(recovered) == [claimed.id]

    async def test_recovering_an_expired_lease_counts_it_as_an_attempt_under_a_new_token(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        await self.add_at(repository, now)
        [first] = await self.claim(repository, now)
        later = now + LEASE + timedelta(seconds=1)

        [second] = await self.claim(repository, later)

        assert (first.attempts, second.attempts) == (1, 2)
        assert second.last_error == LEASE_EXPIRED
        assert second.claim_token != first.claim_token
        assert second.lease_until == later + LEASE
        assert await repository.get(second.id) == second

    async def test_an_expired_lease_with_no_attempt_left_is_dead_lettered_not_handed_out(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        moment = clock.now()
        [poison] = await self.add_at(repository, moment)
        for _ in range(MAX_ATTEMPTS):  # its worker stops every time
            [claimed] = await self.claim(repository, moment)
            assert claimed.id == poison.id
            moment += LEASE + timedelta(seconds=1)
        [healthy] = await self.add_at(repository, moment)

        claimed = await self.claim(repository, moment)

        assert ids(claimed) == [healthy.id]
        dead = await repository.get(poison.id)
        assert dead is not None
        assert (dead.status, dead.attempts) == (MessageStatus.FAILED, MAX_ATTEMPTS)
        assert (dead.last_error, dead.lease_until, dead.claim_token) == (LEASE_EXPIRED, None, None)
        assert dead.updated_at == moment
        assert await repository.stats() == MessageStats(sending=1, failed=1)
        assert await repository.count_failed() == 1

    async def test_the_claim_returns_and_stores_exactly_what_claim_each_makes(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        moment = clock.now()
        [spent] = await self.add_at(repository, moment)
        for _ in range(MAX_ATTEMPTS - 1):  # its worker stops every time
            await self.claim(repository, moment, limit=1)
            moment += LEASE + timedelta(seconds=1)
        await self.add_at(repository, moment)
        await self.claim(repository, moment, limit=2)  # `spent` takes its last attempt
        later = moment + LEASE + timedelta(seconds=1)
        await self.add_at(repository, later)
        before = (await repository.list_page(PageRequest())).items
        lease_until = later + LEASE

        claimed = await repository.claim_due(
            10, later, lease_until, "fresh", max_attempts=MAX_ATTEMPTS
        )

        in_due_order = sorted(before, key=lambda m: (m.lease_until or m.next_attempt_at, m.id))
        made = claim_each(in_due_order, later, lease_until, "fresh", MAX_ATTEMPTS)
        assert ids(made.dead_lettered) == [spent.id]
        assert [m.attempts for m in made.taken] == [2, 1]
        assert claimed == made.taken
        for message in (*made.taken, *made.dead_lettered):
            assert await repository.get(message.id) == message

    async def test_an_expired_lease_and_a_pending_message_are_claimed_in_due_order(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        # The pending message has the lower id, so due order and id order disagree.
        [pending] = await self.add_at(repository, now + LEASE + timedelta(seconds=10))
        [abandoned] = await self.add_at(repository, now)
        await self.claim(repository, now)  # takes `abandoned` only, its lease ends at now + LEASE
        later = now + LEASE + timedelta(seconds=20)

        claimed = await self.claim(repository, later)

        assert ids(claimed) == [abandoned.id, pending.id]
        assert [m.attempts for m in claimed] == [2, 1]

    # Recording outcomes

    async def test_record_applies_every_result_and_writes_its_attempt(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        await self.add_at(repository, now, now, now)
        claimed = await self.claim(repository, now)
        done = now + timedelta(seconds=2)
        results = [
            outcome_of(m, o, done)
            for m, o in zip(claimed, (ACCEPTED, UNAVAILABLE, REJECTED), strict=True)
        ]

        assert await repository.save_results(results) == 3

        for result in results:
            assert await repository.get(result.message.id) == result.message
            assert await repository.list_attempts(result.message.id) == [result.attempt]
        statuses = [result.message.status for result in results]
        assert statuses == [MessageStatus.SENT, MessageStatus.PENDING, MessageStatus.FAILED]

    async def test_a_batch_all_sent_is_stored_exactly_as_its_results_hold_it(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        await self.add_at(repository, now, now, now)
        claimed = await self.claim(repository, now)
        results = [
            outcome_of(m, ACCEPTED, now + timedelta(seconds=n)) for n, m in enumerate(claimed)
        ]

        assert await repository.save_results(results) == 3

        for result in results:
            assert result.message.status is MessageStatus.SENT
            assert await repository.get(result.message.id) == result.message

    async def test_record_of_nothing_applies_nothing(self, repository: MessageRepository) -> None:
        assert await repository.save_results([]) == 0

    async def test_a_result_under_a_stale_claim_token_changes_nothing(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        await self.add_at(repository, now)
        [stale] = await self.claim(repository, now)
        [current] = await self.claim(repository, now + LEASE + timedelta(seconds=1))

        late = outcome_of(stale, ACCEPTED, now + LEASE + timedelta(seconds=2))

        assert await repository.save_results([late]) == 0
        assert await repository.get(current.id) == current
        assert await repository.list_attempts(current.id) == []

    async def test_a_result_recorded_twice_applies_once(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        await self.add_at(repository, now)
        [claimed] = await self.claim(repository, now)
        result = outcome_of(claimed, UNAVAILABLE, now)

        assert await repository.save_results([result]) == 1
        assert await repository.save_results([result]) == 0

        assert await repository.get(claimed.id) == result.message
        assert await repository.list_attempts(claimed.id) == [result.attempt]

    async def test_a_batch_applies_only_the_results_whose_claim_still_holds(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        await self.add_at(repository, now, now, now)
        first, second, third = await self.claim(repository, now)
        results = [
            outcome_of(first, ACCEPTED, now),
            outcome_of(second, ACCEPTED, now, token="someone-elses-token"),
            outcome_of(third, TIMED_OUT, now),
        ]

        assert await repository.save_results(results) == 2

        assert await repository.get(second.id) == second
        assert await repository.list_attempts(second.id) == []
        assert await repository.list_attempts(third.id) == [results[2].attempt]

    async def test_a_batch_under_one_token_applies_only_the_messages_not_claimed_since(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        await self.add_at(repository, now, now, now)
        first, second, third = await repository.claim_due(
            3, now, now + LEASE, "batch-token", max_attempts=MAX_ATTEMPTS
        )
        later = now + LEASE + timedelta(seconds=1)
        [taken] = await repository.claim_due(
            1, later, later + LEASE, "other-worker", max_attempts=MAX_ATTEMPTS
        )
        results = [outcome_of(m, ACCEPTED, later) for m in (first, second, third)]

        assert await repository.save_results(results) == 2

        assert taken.id == first.id
        assert await repository.get(first.id) == taken
        assert await repository.list_attempts(first.id) == []
        for result in results[1:]:
            assert await repository.get(result.message.id) == result.message
            assert await repository.list_attempts(result.message.id) == [result.attempt]

    async def test_a_batch_whose_results_were_partly_recorded_applies_the_rest_once(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        await self.add_at(repository, now, now, now)
        claimed = await self.claim(repository, now)
        results = [
            outcome_of(m, o, now)
            for m, o in zip(claimed, (ACCEPTED, UNAVAILABLE, REJECTED), strict=True)
        ]
        assert await repository.save_results(results[1:2]) == 1

        assert await repository.save_results(results) == 2

        for result in results:
            assert await repository.get(result.message.id) == result.message
            assert await repository.list_attempts(result.message.id) == [result.attempt]

    async def test_a_large_batch_is_recorded_in_one_call(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        await repository.add_many([new_message(now) for _ in range(250)])
        claimed = await self.claim(repository, now, limit=250)
        outcomes = (ACCEPTED, UNAVAILABLE, REJECTED, TIMED_OUT)
        results = [outcome_of(m, outcomes[i % 4], now) for i, m in enumerate(claimed)]

        assert await repository.save_results(results) == 250

        stats = await repository.stats()
        assert stats == MessageStats(pending=125, sent=63, failed=62)
        sample = results[101]
        assert await repository.get(sample.message.id) == sample.message
        assert await repository.list_attempts(sample.message.id) == [sample.attempt]

    async def test_a_long_error_with_emoji_is_recorded_as_it_was_clipped(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        outcome = SendOutcome.http(500, body="🔥" * 2000)

        [failed] = await self.settle(repository, clock.now(), outcome)

        stored = await repository.get(failed.id)
        assert stored is not None
        assert stored.last_error == failed.last_error
        [attempt] = await repository.list_attempts(failed.id)
        assert attempt.detail == shorten(outcome.error, ATTEMPT_DETAIL_LIMIT)

    async def test_a_long_webhook_message_id_is_kept_whole(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        webhook_id = "wh-" + "x" * 2000

        [sent] = await self.settle(
            repository, clock.now(), SendOutcome.http(202, receipt_id=webhook_id)
        )

        stored = await repository.get(sent.id)
        assert stored is not None
        assert stored.receipt_id == webhook_id
