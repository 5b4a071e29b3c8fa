"""Adding messages and reading them back: keys, texts, times and send times, in every store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

from adapters.memory import ManualClock
from contract.repository_support import (
    LEASE,
    MAX_ATTEMPTS,
    RepositoryContractBase,
    ids,
    new_message,
)
from insider_core import (
    Message,
    MessageRepository,
    MessageStatus,
    PageRequest,
)


class CreationContract(RepositoryContractBase):
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
