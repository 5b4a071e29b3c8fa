"""What holds for rows other systems write into the messages table with SQL (the transactional
outbox). Subclass `OutboxContract` once per SQL store and provide the fixtures
`repository` (an empty store) and `outside` (another connection to it, which for MySQL runs in
a session whose time zone is not UTC)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Protocol

from adapters.memory import InMemorySentCache, ScriptedSender
from insider_core import (
    DispatchConfig,
    Dispatcher,
    MessageRepository,
    MessageStatus,
    PageRequest,
    RetryPolicy,
    SystemClock,
)

PHONE = "+905551234567"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CLOSE = timedelta(seconds=30)


class OutsideWriter(Protocol):
    """SQL run by another system on a connection of its own, committed at once."""

    async def execute(self, statement: str) -> None: ...


def outbox_insert(count: int, first: int = 0) -> str:
    rows = ", ".join(f"('outbox {n}', '{PHONE}')" for n in range(first, first + count))
    return f"INSERT INTO messages (content, phone_number) VALUES {rows}"


def dispatcher_of(repository: MessageRepository, sender: ScriptedSender) -> Dispatcher:
    clock = SystemClock()
    return Dispatcher(
        repository, sender, InMemorySentCache(clock), clock, RetryPolicy(), DispatchConfig()
    )


class OutboxContract:
    async def test_a_row_given_only_content_and_phone_number_is_a_pending_message_due_now(
        self, repository: MessageRepository, outside: OutsideWriter
    ) -> None:
        await outside.execute(outbox_insert(1))
        now = SystemClock().now()

        [message] = (await repository.list_page(PageRequest(page=1, page_size=10))).items
        assert message.status is MessageStatus.PENDING
        assert (message.content, message.phone_number, message.attempts) == ("outbox 0", PHONE, 0)
        assert UUID.fullmatch(message.idempotency_key)
        assert abs(message.created_at - now) < CLOSE
        assert abs(message.updated_at - now) < CLOSE
        assert now - CLOSE < message.next_attempt_at <= now
        assert message.receipt_id is message.sent_at is message.last_error is None

    async def test_an_inserted_row_is_sent_within_one_tick_and_counted(
        self, repository: MessageRepository, outside: OutsideWriter
    ) -> None:
        await outside.execute(outbox_insert(1))
        assert (await repository.stats()).pending == 1
        sender = ScriptedSender()

        report = await dispatcher_of(repository, sender).dispatch_batch(10)

        assert report.sent == 1
        [(sent, _)] = sender.sent
        assert sent.content == "outbox 0"
        stats = await repository.stats()
        assert (stats.pending, stats.sent, stats.total) == (0, 1, 1)
        page = await repository.list_page(PageRequest(page=1, page_size=10, status=None))
        assert page.total_count == 1
        assert page.items[0].status is MessageStatus.SENT

    async def test_every_row_of_a_ten_thousand_row_insert_is_sent_once_and_counted(
        self, repository: MessageRepository, outside: OutsideWriter
    ) -> None:
        await outside.execute(outbox_insert(10_000))
        stats = await repository.stats()
        assert (stats.pending, stats.total) == (10_000, 10_000)
        sender = ScriptedSender()
        dispatcher = dispatcher_of(repository, sender)

        for _ in range(12):
            await dispatcher.dispatch_batch(1000)

        ids = [message.id for message, _ in sender.sent]
        assert len(ids) == len(set(ids)) == 10_000
        assert len(set(sender.idempotency_keys)) == 10_000
        stats = await repository.stats()
        assert (stats.pending, stats.sending, stats.sent, stats.total) == (0, 0, 10_000, 10_000)
        sent_page = PageRequest(page=1, page_size=1, status=MessageStatus.SENT)
        assert (await repository.list_page(sent_page)).total_count == 10_000

    async def test_rows_another_system_updates_or_deletes_stay_counted(
        self, repository: MessageRepository, outside: OutsideWriter
    ) -> None:
        await outside.execute(outbox_insert(5))
        await outside.execute("UPDATE messages SET status = 'failed' WHERE content = 'outbox 0'")
        await outside.execute(
            "UPDATE messages SET status = 'sent', message_id = 'elsewhere' "
            "WHERE content IN ('outbox 1', 'outbox 2')"
        )
        await outside.execute("DELETE FROM messages WHERE content = 'outbox 3'")

        stats = await repository.stats()
        assert (stats.pending, stats.sent, stats.failed, stats.total) == (1, 2, 1, 4)
        failed = PageRequest(page=1, page_size=10, status=MessageStatus.FAILED)
        assert (await repository.list_page(failed)).total_count == 1
        assert await repository.replay_all(SystemClock().now()) == 1
        assert (await repository.stats()).pending == 2

    async def test_a_key_given_by_the_inserting_system_is_kept(
        self, repository: MessageRepository, outside: OutsideWriter
    ) -> None:
        key = str(uuid.uuid4())
        await outside.execute(
            "INSERT INTO messages (content, phone_number, idempotency_key) "
            f"VALUES ('keyed', '{PHONE}', '{key}')"
        )

        [message] = (await repository.list_page(PageRequest(page=1, page_size=10))).items
        assert message.idempotency_key == key
