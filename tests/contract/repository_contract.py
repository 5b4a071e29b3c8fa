"""The behaviour every MessageRepository promises. Subclass `MessageRepositoryContract` once per
implementation and provide the fixtures `repository` (an empty, reachable store),
`unreachable_repository` and `replay_chunk_rows`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta, timezone
from random import Random

import msgspec
import pytest

from adapters.memory import ManualClock
from insider_core import (
    DeliveryAttempt,
    DeliveryResult,
    ErrorKind,
    Message,
    MessageRepository,
    MessageStats,
    MessageStatus,
    NewMessage,
    PageRequest,
    RetryPolicy,
    SendOutcome,
    StoreUnavailable,
    shorten,
)
from insider_core.claiming import claim_each
from insider_core.message import LEASE_EXPIRED
from insider_core.values import ATTEMPT_DETAIL_LIMIT

START = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)
LEASE = timedelta(seconds=60)
PHONE = "+905551112233"
POLICY = RetryPolicy(max_attempts=3, base_seconds=30, max_seconds=3600)
MAX_ATTEMPTS = POLICY.max_attempts

ACCEPTED = SendOutcome.http(202, receipt_id="wh-1", duration_seconds=0.25)
UNAVAILABLE = SendOutcome.http(503, body="try later 🙁", duration_seconds=1.5)
REJECTED = SendOutcome.http(400, body="bad number", duration_seconds=0.1)
TIMED_OUT = SendOutcome.failure(ErrorKind.TIMEOUT, "timed out", duration_seconds=30.0)


def new_message(
    at: datetime,
    *,
    key: str | None = None,
    content: str = "Hello",
    send_at: datetime | None = None,
) -> NewMessage:
    return NewMessage(
        content=content,
        phone_number=PHONE,
        idempotency_key=key or str(uuid.uuid4()),
        created_at=at,
        send_at=send_at,
    )


def outcome_of(
    claimed: Message, outcome: SendOutcome, at: datetime, *, token: str | None = None
) -> DeliveryResult:
    """What a worker reports after sending `claimed`; `token` overrides the claim it holds."""
    return DeliveryResult(
        message=claimed.apply_outcome(outcome, POLICY, at, Random(7)),
        claim_token=token or claimed.claim_token or "",
        attempt=DeliveryAttempt(
            message_id=claimed.id,
            attempt_number=claimed.attempts,
            started_at=at - timedelta(seconds=outcome.duration_seconds),
            duration_ms=round(outcome.duration_seconds * 1000),
            http_status=outcome.http_status,
            error_kind=outcome.error_kind,
            detail=shorten(outcome.error, ATTEMPT_DETAIL_LIMIT),
        ),
    )


Operation = Callable[[MessageRepository, datetime], Awaitable[object]]
EVERY_OPERATION: dict[str, Operation] = {
    "add": lambda store, now: store.add(new_message(now)),
    "add_many": lambda store, now: store.add_many([new_message(now), new_message(now)]),
    "get": lambda store, now: store.get(1),
    "list_page": lambda store, now: store.list_page(PageRequest()),
    "list_page of sent": lambda store, now: store.list_page(PageRequest.sent(1, 20)),
    "stats": lambda store, now: store.stats(),
    "claim_due": lambda store, now: store.claim_due(
        10, now, now + LEASE, "token", max_attempts=MAX_ATTEMPTS
    ),
    "save_results": lambda store, now: store.save_results([unclaimed_result(now)]),
    "replay_one": lambda store, now: store.replay_one(1, now),
    "replay_all": lambda store, now: store.replay_all(now),
    "count_failed": lambda store, now: store.count_failed(now - LEASE),
    "list_attempts": lambda store, now: store.list_attempts(1),
    "prune_attempts": lambda store, now: store.prune_attempts(now),
    "attempts_per_minute": lambda store, now: store.attempts_per_minute(now - LEASE),
}


def unclaimed_result(at: datetime) -> DeliveryResult:
    """A result for a message the store never handed out: one it would apply to nothing."""
    claimed = Message.from_new(1, new_message(at)).claim(at, at + LEASE, "token")
    return outcome_of(claimed, ACCEPTED, at)


def ids(messages: Iterable[Message]) -> list[int]:
    return [message.id for message in messages]


class MessageRepositoryContract:
    @pytest.fixture
    async def repository(self) -> MessageRepository:
        """An empty store, reachable for the whole test."""
        raise NotImplementedError

    @pytest.fixture
    async def unreachable_repository(self) -> MessageRepository:
        """A repository whose store cannot be reached: taken down the way this kind of store
        goes down (a closed connection, a cut network, a fake switched off)."""
        raise NotImplementedError

    @pytest.fixture
    def replay_chunk_rows(self) -> int:
        """How many messages a replay of every failed message changes in one step at most."""
        raise NotImplementedError

    @pytest.fixture
    def clock(self) -> ManualClock:
        return ManualClock(START)

    async def add_at(self, repository: MessageRepository, *moments: datetime) -> list[Message]:
        return [(await repository.add(new_message(moment)))[0] for moment in moments]

    async def claim(
        self, repository: MessageRepository, at: datetime, limit: int = 100
    ) -> list[Message]:
        return await repository.claim_due(
            limit, at, at + LEASE, uuid.uuid4().hex, max_attempts=MAX_ATTEMPTS
        )

    async def settle(
        self, repository: MessageRepository, at: datetime, *outcomes: SendOutcome
    ) -> list[Message]:
        """Add one message per outcome, claim them and record the outcomes in one batch."""
        await self.add_at(repository, *([at] * len(outcomes)))
        claimed = await self.claim(repository, at, limit=len(outcomes))
        results = [outcome_of(m, o, at) for m, o in zip(claimed, outcomes, strict=True)]
        assert await repository.save_results(results) == len(results)
        return [result.message for result in results]

    async def refuse_all(
        self, repository: MessageRepository, count: int, *moments: datetime
    ) -> list[Message]:
        """Add `count` messages, claim them all, and record them refused for good, in id order
        at each of `moments` in turn."""
        assert await repository.add_many([new_message(START) for _ in range(count)]) == count
        claimed = await self.claim(repository, moments[0], limit=count)
        results = [
            outcome_of(m, REJECTED, moments[n % len(moments)]) for n, m in enumerate(claimed)
        ]
        assert await repository.save_results(results) == count
        return [result.message for result in results]

    # Adding and reading

    async def test_an_added_message_is_pending_and_reads_back_unchanged(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        new = new_message(clock.now())

        message, created = await repository.add(new)

        assert created is True
        assert message == Message.from_new(message.id, new)
        assert message.status is MessageStatus.PENDING
        assert await repository.get(message.id) == message

    async def test_an_unknown_id_reads_as_none(self, repository: MessageRepository) -> None:
        assert await repository.get(987654) is None

    async def test_ids_grow_in_the_order_messages_are_added(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        added = await self.add_at(repository, clock.now(), clock.now(), clock.now())

        assert ids(added) == sorted(ids(added))
        assert len(set(ids(added))) == 3

    async def test_a_known_idempotency_key_returns_the_stored_message_and_adds_nothing(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        first, _ = await repository.add(new_message(clock.now(), key="key-1", content="first"))

        again, created = await repository.add(
            new_message(clock.now() + LEASE, key="key-1", content="second")
        )

        assert created is False
        assert again == first
        assert (await repository.stats()).total == 1

    async def test_idempotency_keys_that_differ_only_in_case_are_different_keys(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        _, lower = await repository.add(new_message(clock.now(), key="abc-key"))
        _, upper = await repository.add(new_message(clock.now(), key="ABC-KEY"))

        assert (lower, upper) == (True, True)

    async def test_messages_created_at_once_each_get_a_row_of_their_own(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        news = [new_message(clock.now(), content=f"at once {n}") for n in range(60)]

        created = await asyncio.gather(*(repository.add(new) for new in news))

        assert [is_new for _, is_new in created] == [True] * 60
        assert len({message.id for message, _ in created}) == 60
        for (message, _), new in zip(created, news, strict=True):
            assert await repository.get(message.id) == message
            assert (message.content, message.idempotency_key) == (new.content, new.idempotency_key)
        assert (await repository.stats()).pending == 60

    async def test_a_key_created_twice_at_once_stores_one_message_and_returns_it_to_both(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        first = new_message(clock.now(), key="twice", content="first")
        others = [new_message(clock.now(), content=f"other {n}") for n in range(4)]
        second = new_message(clock.now(), key="twice", content="second")

        created = await asyncio.gather(*(repository.add(n) for n in (first, *others, second)))

        assert [is_new for _, is_new in created] == [True, True, True, True, True, False]
        assert created[-1][0] == created[0][0]
        assert created[0][0].content == "first"
        assert (await repository.stats()).total == 5

    async def test_a_known_key_among_messages_created_at_once_returns_the_original(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        original, _ = await repository.add(new_message(clock.now(), key="known", content="old"))
        news = [new_message(clock.now(), content=f"new {n}") for n in range(3)]
        repeated = new_message(clock.now(), key="known", content="repeated")

        created = await asyncio.gather(*(repository.add(n) for n in (*news, repeated)))

        assert [is_new for _, is_new in created] == [True, True, True, False]
        assert created[-1][0] == original
        assert [message.content for message, _ in created[:3]] == ["new 0", "new 1", "new 2"]
        assert (await repository.stats()).total == 4

    async def test_add_many_stores_new_keys_once_and_skips_known_ones(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        await repository.add(new_message(clock.now(), key="known"))
        batch = [
            new_message(clock.now(), key="known"),
            new_message(clock.now(), key="new-1"),
            new_message(clock.now(), key="new-2"),
            new_message(clock.now(), key="new-2"),
        ]

        assert await repository.add_many(batch) == 2
        assert (await repository.stats()).pending == 3

    async def test_add_many_of_nothing_stores_nothing(self, repository: MessageRepository) -> None:
        assert await repository.add_many([]) == 0

    async def test_add_many_stores_large_batches_whole(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        batch = [new_message(clock.now(), content=f"bulk {n}") for n in range(2500)]

        assert await repository.add_many(batch) == 2500
        page = await repository.list_page(PageRequest(page=1, page_size=1))
        assert page.total_count == 2500
        assert page.items[0].content == "bulk 2499"

    async def test_emoji_and_other_non_ascii_content_round_trips(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        content = "Merhaba 👋🏽 dünya — 你好 𝄞 İıŞş"

        message, _ = await repository.add(new_message(clock.now(), content=content))

        stored = await repository.get(message.id)
        assert stored is not None
        assert stored.content == content

    async def test_text_that_means_something_to_json_or_sql_reads_back_as_written(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        # No NUL: the core refuses it at creation (validate_message), and PostgreSQL's text
        # cannot hold it.
        content = 'say "hi" \\ C:\\path\n\r\t\x01\x1f \u2028 </script> {"a": [1]} \'; --'
        key = 'key "with" \\ quotes\' and\ttabs'
        message, _ = await repository.add(new_message(clock.now(), content=content, key=key))

        stored = await repository.get(message.id)
        [listed] = (await repository.list_page(PageRequest(page=1, page_size=10))).items
        [claimed] = await repository.claim_due(
            1, clock.now(), clock.now() + LEASE, "token", max_attempts=MAX_ATTEMPTS
        )

        for read in (stored, listed, claimed):
            assert read is not None
            assert (read.content, read.idempotency_key) == (content, key)

    async def test_timestamps_round_trip_with_microsecond_precision_in_utc(
        self, repository: MessageRepository
    ) -> None:
        created = datetime(2026, 5, 17, 23, 59, 59, 999999, tzinfo=UTC)
        now = created + timedelta(microseconds=2)
        lease_until = now + timedelta(seconds=90, microseconds=1)
        message, _ = await repository.add(new_message(created))

        [claimed] = await repository.claim_due(
            1, now, lease_until, "token", max_attempts=MAX_ATTEMPTS
        )

        stored = await repository.get(message.id)
        assert stored is not None
        assert stored == claimed
        assert stored.created_at == created
        assert stored.updated_at == now
        assert stored.lease_until == lease_until
        assert stored.created_at.utcoffset() == timedelta(0)

    async def test_a_timestamp_in_another_zone_is_stored_as_the_same_instant(
        self, repository: MessageRepository
    ) -> None:
        istanbul = timezone(timedelta(hours=3))
        created = datetime(2026, 2, 1, 9, 30, 0, 654321, tzinfo=istanbul)

        message, _ = await repository.add(new_message(created))

        stored = await repository.get(message.id)
        assert stored is not None
        assert stored.created_at == created
        assert stored.next_attempt_at == created

    # Scheduled messages (created with a send time)

    async def test_a_scheduled_message_is_stored_due_at_its_send_time(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        send_at = clock.now() + timedelta(hours=2, microseconds=3)
        new = new_message(clock.now(), send_at=send_at)

        message, created = await repository.add(new)

        assert created is True
        assert message == Message.from_new(message.id, new)
        assert message.next_attempt_at == send_at
        assert message.created_at == clock.now()
        assert await repository.get(message.id) == message

    async def test_a_scheduled_message_is_not_claimed_before_its_send_time(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        send_at = now + timedelta(minutes=10)
        [due] = await self.add_at(repository, now)
        scheduled, _ = await repository.add(new_message(now, send_at=send_at))

        assert ids(await self.claim(repository, now)) == [due.id]
        just_before = send_at - timedelta(microseconds=1)
        assert scheduled.id not in ids(await self.claim(repository, just_before))
        assert await repository.get(scheduled.id) == scheduled
        assert ids(await self.claim(repository, send_at)) == [scheduled.id]

    async def test_scheduled_and_unscheduled_messages_are_claimed_in_due_order(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        later, _ = await repository.add(new_message(now, send_at=now + timedelta(seconds=30)))
        sooner, _ = await repository.add(new_message(now, send_at=now + timedelta(seconds=10)))
        [unscheduled] = await self.add_at(repository, now + timedelta(seconds=20))

        claimed = await self.claim(repository, now + timedelta(minutes=1))

        assert ids(claimed) == [sooner.id, unscheduled.id, later.id]

    async def test_messages_scheduled_at_once_each_keep_their_own_send_time(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        news = [
            new_message(now, send_at=None if n % 3 == 0 else now + timedelta(minutes=n))
            for n in range(30)
        ]

        created = await asyncio.gather(*(repository.add(new) for new in news))

        for (message, is_new), new in zip(created, news, strict=True):
            assert is_new is True
            assert message.next_attempt_at == new.due_at
            assert await repository.get(message.id) == message
        assert len(await self.claim(repository, now)) == 10

    async def test_add_many_keeps_each_send_time(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        send_at = now + timedelta(days=1)
        batch = [new_message(now, content=f"bulk {n}", send_at=send_at) for n in range(5)]

        assert await repository.add_many([*batch, new_message(now, content="now")]) == 6

        assert [m.content for m in await self.claim(repository, now)] == ["now"]
        page = await repository.list_page(PageRequest(status=MessageStatus.PENDING))
        assert [m.next_attempt_at for m in page.items] == [send_at] * 5
        claimed_when_due = {m.content for m in await self.claim(repository, send_at)}
        assert claimed_when_due >= {new.content for new in batch}

    async def test_a_repeated_key_with_another_send_time_returns_the_original(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        now = clock.now()
        first, _ = await repository.add(
            new_message(now, key="scheduled", send_at=now + timedelta(hours=1))
        )

        again, created = await repository.add(
            new_message(now, key="scheduled", send_at=now + timedelta(hours=5))
        )
        at_once = await asyncio.gather(
            repository.add(new_message(now, key="scheduled")),
            repository.add(new_message(now)),
        )

        assert created is False
        assert again == first
        assert at_once[0] == (first, False)
        assert (await repository.stats()).pending == 2

    # Listing and statistics

    async def test_the_list_is_newest_id_first_in_pages_with_the_total(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        added = await self.add_at(repository, *([clock.now()] * 5))
        newest_first = ids(added)[::-1]

        first = await repository.list_page(PageRequest(page=1, page_size=2))
        last = await repository.list_page(PageRequest(page=3, page_size=2))
        beyond = await repository.list_page(PageRequest(page=4, page_size=2))

        assert ids(first.items) == newest_first[:2]
        assert (first.page, first.page_size, first.total_count, first.total_pages) == (1, 2, 5, 3)
        assert ids(last.items) == newest_first[4:]
        assert list(beyond.items) == []
        assert beyond.total_count == 5

    async def test_a_page_far_past_the_end_is_empty_with_the_true_total(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        await self.add_at(repository, *([clock.now()] * 5))
        await self.claim(repository, clock.now(), limit=2)
        far = 1_000_000_000
        requests = [
            PageRequest(page=far, page_size=100),
            PageRequest(page=far, page_size=2, status=MessageStatus.PENDING),
            PageRequest.sent(far, 100),
            PageRequest(page=far, page_size=100, phone_number=PHONE),
            PageRequest(page=2, page_size=5),
        ]

        pages = [await repository.list_page(request) for request in requests]

        assert [list(page.items) for page in pages] == [[]] * len(requests)
        assert [(page.total_count, page.total_pages) for page in pages] == [
            (5, 1),
            (3, 2),
            (0, 0),
            (5, 1),
            (5, 1),
        ]
        assert [(page.page, page.page_size) for page in pages[:2]] == [(far, 100), (far, 2)]

    async def test_the_list_filters_by_status_and_counts_only_matching_messages(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        await self.add_at(repository, *([clock.now()] * 5))
        claimed = await self.claim(repository, clock.now(), limit=2)

        sending = await repository.list_page(PageRequest(status=MessageStatus.SENDING))
        pending = await repository.list_page(PageRequest(status=MessageStatus.PENDING))
        sent = await repository.list_page(PageRequest(status=MessageStatus.SENT))

        assert ids(sending.items) == sorted(ids(claimed), reverse=True)
        assert sending.items == sorted(claimed, key=lambda m: m.id, reverse=True)
        assert (sending.total_count, pending.total_count, sent.total_count) == (2, 3, 0)
        assert {m.status for m in pending.items} == {MessageStatus.PENDING}

    async def test_the_sent_list_is_newest_sent_first(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        first, second, third = await self.add_at(repository, *([clock.now()] * 3))
        claimed = {m.id: m for m in await self.claim(repository, clock.now())}
        now = clock.now()
        await repository.save_results(
            [
                outcome_of(claimed[first.id], ACCEPTED, now + timedelta(seconds=30)),
                outcome_of(claimed[second.id], ACCEPTED, now + timedelta(seconds=10)),
                outcome_of(claimed[third.id], ACCEPTED, now + timedelta(seconds=20)),
            ]
        )

        page = await repository.list_page(
            PageRequest(status=MessageStatus.SENT, newest_sent_first=True)
        )

        assert ids(page.items) == [first.id, third.id, second.id]
        assert page.total_count == 3

    async def test_messages_sent_at_the_same_moment_list_newest_id_first(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        sent = await self.settle(repository, clock.now(), ACCEPTED, ACCEPTED)

        page = await repository.list_page(
            PageRequest(status=MessageStatus.SENT, newest_sent_first=True)
        )

        assert ids(page.items) == sorted(ids(sent), reverse=True)

    async def test_stats_of_an_empty_store_are_all_zero(
        self, repository: MessageRepository
    ) -> None:
        assert await repository.stats() == MessageStats()

    async def test_stats_count_the_messages_in_each_status(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        await self.settle(repository, clock.now(), ACCEPTED, ACCEPTED, REJECTED, UNAVAILABLE)
        await self.add_at(repository, clock.now(), clock.now(), clock.now())
        await self.claim(repository, clock.now(), limit=1)

        stats = await repository.stats()

        # The 503 went back to pending with a backoff, so it is pending as well.
        assert stats == MessageStats(pending=3, sending=1, sent=2, failed=1)
        assert stats.total == 7

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

    # Reachability

    async def test_a_reachable_store_answers_ping(self, repository: MessageRepository) -> None:
        assert await repository.ping() is True

    async def test_an_unreachable_store_answers_ping_with_false(
        self, unreachable_repository: MessageRepository
    ) -> None:
        assert await unreachable_repository.ping() is False

    @pytest.mark.parametrize("operation", sorted(EVERY_OPERATION))
    async def test_an_unreachable_store_refuses_every_operation_with_store_unavailable(
        self, unreachable_repository: MessageRepository, clock: ManualClock, operation: str
    ) -> None:
        with pytest.raises(StoreUnavailable):
            await EVERY_OPERATION[operation](unreachable_repository, clock.now())
