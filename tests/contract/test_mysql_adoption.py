"""Adopting the database of the Go service: its `messages` table, created exactly as the Go
service's schema creates it, upgraded in place by `insider migrate` or start-up."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from adapters.memory import InMemorySentCache, ScriptedSender
from contract.mysql_databases import ScratchDatabase, scratch_database
from contract.outbox_contract import outbox_insert
from entrypoints.cli import main
from insider_core import (
    DispatchConfig,
    Dispatcher,
    MessageStatus,
    PageRequest,
    RetryPolicy,
    SystemClock,
)

pytestmark = pytest.mark.mysql

# The Go service's CREATE TABLE, column by column.
SEED_MESSAGES = """
CREATE TABLE IF NOT EXISTS messages (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    content TEXT NOT NULL,
    phone_number VARCHAR(20) NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'pending',
    message_id VARCHAR(100) NULL,
    sent_at DATETIME NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    INDEX idx_messages_status (status),
    INDEX idx_messages_created_at (created_at),
    INDEX idx_messages_sent_at (sent_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci
"""
SEED_ROWS = """
INSERT INTO messages (content, phone_number, status, message_id, sent_at, created_at) VALUES
    ('waiting 1', '+905551000001', 'pending', NULL, NULL, '2025-03-01 10:00:01'),
    ('delivered', '+905551000002', 'sent', 'wh-old-2', '2025-03-01 10:02:00',
        '2025-03-01 10:00:02'),
    ('rejected', '+905551000003', 'failed', NULL, NULL, '2025-03-01 10:00:03'),
    ('waiting 2', '+905551000004', 'pending', NULL, NULL, '2025-03-01 10:00:04')
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def go_service_database(mysql_url: str) -> Iterator[ScratchDatabase]:
    with scratch_database(mysql_url) as database:
        database.create()
        yield database


async def make_go_service_tables(database: ScratchDatabase) -> None:
    await database.query(SEED_MESSAGES)
    await database.query(SEED_ROWS)


def dispatcher_for(repository: object, sender: ScriptedSender) -> Dispatcher:
    clock = SystemClock()
    return Dispatcher(
        repository,  # type: ignore[arg-type]
        sender,
        InMemorySentCache(clock),
        clock,
        RetryPolicy(),
        DispatchConfig(),
    )


async def test_migrate_upgrades_the_go_service_table_in_place_keeping_every_row(
    go_service_database: ScratchDatabase,
) -> None:
    await make_go_service_tables(go_service_database)

    env = {"DATABASE_URL": go_service_database.url}
    result = await asyncio.to_thread(CliRunner().invoke, main, ["migrate"], env=env)

    assert result.exit_code == 0, result.output
    assert "0001_messages (adopted the existing messages table)" in result.output
    repository = await go_service_database.open_repository()
    try:
        stats = await repository.stats()
        messages = {m.content: m for m in (await repository.list_page(PageRequest())).items}
    finally:
        await repository.close()
    assert (stats.pending, stats.sent, stats.failed, stats.total) == (2, 1, 1, 4)
    delivered = messages["delivered"]
    assert delivered.status is MessageStatus.SENT
    assert delivered.receipt_id == "wh-old-2"
    assert delivered.sent_at == at("2025-03-01 10:02:00")
    assert delivered.created_at == at("2025-03-01 10:00:02")
    assert messages["rejected"].status is MessageStatus.FAILED
    assert [messages[f"waiting {n}"].status for n in (1, 2)] == [MessageStatus.PENDING] * 2
    assert messages["waiting 1"].created_at == at("2025-03-01 10:00:01")
    assert len({m.idempotency_key for m in messages.values()}) == 4
    assert [m.id for m in sorted(messages.values(), key=lambda m: m.created_at)] == [1, 2, 3, 4]


async def test_after_adoption_pending_rows_are_sent_sent_rows_never_again_failed_replayable(
    go_service_database: ScratchDatabase,
) -> None:
    await make_go_service_tables(go_service_database)
    repository = await go_service_database.open_repository()  # start-up migrates
    sender = ScriptedSender()
    dispatcher = dispatcher_for(repository, sender)
    try:
        await dispatcher.dispatch_batch(10)
        first_run = sorted(message.content for message, _ in sender.sent)
        await dispatcher.dispatch_batch(10)
        assert len(sender.sent) == 2

        assert await repository.replay_all(SystemClock().now()) == 1
        await dispatcher.dispatch_batch(10)
        stats = await repository.stats()
    finally:
        await repository.close()

    assert first_run == ["waiting 1", "waiting 2"]
    assert [message.content for message, _ in sender.sent[2:]] == ["rejected"]
    assert (stats.pending, stats.sent, stats.failed, stats.total) == (0, 4, 0, 4)


async def test_the_adopted_table_takes_outbox_inserts_and_new_ids_follow_the_go_services(
    go_service_database: ScratchDatabase,
) -> None:
    await make_go_service_tables(go_service_database)
    repository = await go_service_database.open_repository()
    try:
        await go_service_database.query(outbox_insert(1))
        page = await repository.list_page(PageRequest(status=MessageStatus.PENDING))
    finally:
        await repository.close()

    assert page.total_count == 3
    assert page.items[0].id == 5
    assert page.items[0].content == "outbox 0"


async def test_migrating_twice_adopts_once(go_service_database: ScratchDatabase) -> None:
    await make_go_service_tables(go_service_database)
    first = await go_service_database.open_repository()
    await first.close()

    again = await go_service_database.open_repository(migrate=False)
    try:
        assert await again.migrate() == []
        assert (await again.stats()).total == 4
    finally:
        await again.close()


async def test_a_go_service_row_in_a_status_this_service_does_not_know_stops_migrate_with_one_line(
    go_service_database: ScratchDatabase,
) -> None:
    await make_go_service_tables(go_service_database)
    await go_service_database.query("UPDATE messages SET status = 'queued' WHERE id = 1")

    env = {"DATABASE_URL": go_service_database.url}
    result = await asyncio.to_thread(CliRunner().invoke, main, ["migrate"], env=env)

    assert result.exit_code == 3
    assert result.output.strip().splitlines() == [
        f"cannot migrate mysql://root@{go_service_database.server.host}:{go_service_database.server.port}/"
        f"{go_service_database.name}: the Go service's table `messages` in "
        f"'{go_service_database.name}' has rows in statuses this service does not know: "
        "'queued' (1 rows); known: pending, sending, sent, failed"
    ]
    [(status,)] = await go_service_database.query("SELECT status FROM messages WHERE id = 1")
    assert status == "queued"  # nothing changed


async def test_a_messages_table_of_another_shape_stops_migrate_with_one_line(
    go_service_database: ScratchDatabase,
) -> None:
    await go_service_database.query("CREATE TABLE messages (id INT PRIMARY KEY, body TEXT)")

    env = {"DATABASE_URL": go_service_database.url}
    result = await asyncio.to_thread(CliRunner().invoke, main, ["migrate"], env=env)

    assert result.exit_code == 3
    assert "neither this service's nor the Go service's (its columns: body, id)" in result.output
    assert len(result.output.strip().splitlines()) == 1
