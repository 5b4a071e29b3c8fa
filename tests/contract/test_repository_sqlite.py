from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.sqlite import SqliteMessageRepository
from adapters.sqlite.migrations import load_migrations
from adapters.sqlite.repository import REPLAY_CHUNK_ROWS
from contract.operator_reads_contract import OperatorReadsContract
from contract.outbox_contract import OutboxContract, OutsideWriter
from contract.repository_contract import (
    MAX_ATTEMPTS,
    START,
    MessageRepositoryContract,
    new_message,
)
from contract.send_slots_contract import SendSlotLedgerContract
from contract.shared_records_contract import SharedRecordsContract
from insider_core import MessageRepository, StoreUnavailable
from insider_core.message import Message


class TestSqliteMessageRepository(
    MessageRepositoryContract,
    OperatorReadsContract,
    SendSlotLedgerContract,
    SharedRecordsContract,
):
    @pytest.fixture
    async def repository(self, tmp_path: Path) -> AsyncIterator[MessageRepository]:
        repository = await SqliteMessageRepository.open(str(tmp_path / "messages.db"))
        yield repository
        await repository.close()

    @pytest.fixture
    def replay_chunk_rows(self) -> int:
        return REPLAY_CHUNK_ROWS

    @pytest.fixture
    async def unreachable_repository(self, tmp_path: Path) -> MessageRepository:
        repository = await SqliteMessageRepository.open(str(tmp_path / "closed.db"))
        await repository.close()
        return repository


class FileConnection(OutsideWriter):
    """Another system's connection to the same file."""

    def __init__(self, path: str) -> None:
        self.path = path

    async def execute(self, statement: str) -> None:
        await asyncio.to_thread(self._execute, statement)

    def _execute(self, statement: str) -> None:
        connection = sqlite3.connect(self.path, timeout=5)
        try:
            with connection:
                connection.execute(statement)
        finally:
            connection.close()


class TestSqliteOutbox(OutboxContract):
    @pytest.fixture
    async def repository(self, tmp_path: Path) -> AsyncIterator[MessageRepository]:
        repository = await SqliteMessageRepository.open(str(tmp_path / "outbox.db"))
        yield repository
        await repository.close()

    @pytest.fixture
    def outside(self, tmp_path: Path) -> OutsideWriter:
        return FileConnection(str(tmp_path / "outbox.db"))


@pytest.fixture
def database_path(tmp_path: Path) -> str:
    return str(tmp_path / "shared.db")


async def test_opening_a_new_file_applies_every_migration_and_reopening_applies_none(
    database_path: str,
) -> None:
    repository = await SqliteMessageRepository.open(database_path)
    applied_on_open = await repository.migrate()
    await repository.close()

    reopened = await SqliteMessageRepository.open(database_path)
    try:
        assert applied_on_open == []
        assert await reopened.migrate() == []
    finally:
        await reopened.close()
    assert [m.name for m in load_migrations()] == [
        "0001_messages",
        "0002_delivery_attempts",
        "0005_send_rate",
        "0009_dashboard_reads",
        "0010_outbox",
        "0012_shared_state",
    ]


async def test_an_in_memory_database_works_without_a_file() -> None:
    repository = await SqliteMessageRepository.open(":memory:")
    try:
        message, created = await repository.add(new_message(START))
        assert created
        assert await repository.get(message.id) == message
    finally:
        await repository.close()


async def test_a_file_that_cannot_be_opened_is_store_unavailable(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable):
        await SqliteMessageRepository.open(str(tmp_path / "missing-dir" / "messages.db"))


async def test_two_repositories_on_one_file_never_claim_the_same_message(
    database_path: str,
) -> None:
    first = await SqliteMessageRepository.open(database_path)
    second = await SqliteMessageRepository.open(database_path)
    try:
        await first.add_many([new_message(START) for _ in range(300)])

        async def drain(repository: SqliteMessageRepository) -> list[Message]:
            taken: list[Message] = []
            while batch := await repository.claim_due(
                7, START, START, uuid.uuid4().hex, max_attempts=MAX_ATTEMPTS
            ):
                taken.extend(batch)
                await asyncio.sleep(0.001)
            return taken

        by_first, by_second = await asyncio.gather(drain(first), drain(second))

        claimed = [m.id for m in by_first + by_second]
        assert len(claimed) == len(set(claimed)) == 300
    finally:
        await first.close()
        await second.close()


async def test_the_outbox_migration_keeps_every_row_and_every_id_given(
    database_path: str,
) -> None:
    before = [m for m in load_migrations() if m.name < "0010"]
    connection = sqlite3.connect(database_path)
    with connection:
        connection.execute(
            "CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
        )
        for migration in before:
            for statement in migration.statements:
                connection.execute(statement)
            connection.execute("INSERT INTO schema_migrations VALUES (?, '')", (migration.name,))
        for n, status in enumerate(("pending", "sent", "failed", "gone")):
            connection.execute(
                "INSERT INTO messages (content, phone_number, status, message_id, "
                "next_attempt_at, idempotency_key, created_at, updated_at) "
                "VALUES (?, '+905551112233', ?, ?, '2026-01-01 00:00:00.000000', ?, "
                "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000')",
                (f"m{n}", "sent" if status == "gone" else status, f"wh-{n}", f"key-{n}"),
            )
        connection.execute("DELETE FROM messages WHERE content = 'm3'")
    connection.close()

    repository = await SqliteMessageRepository.open(database_path)
    try:
        stats = await repository.stats()
        kept = [await repository.get(message_id) for message_id in (1, 2, 3)]
        created, _ = await repository.add(new_message(START))
    finally:
        await repository.close()

    assert (stats.pending, stats.sent, stats.failed) == (1, 1, 1)
    assert [(m.content, m.status.value, m.receipt_id, m.idempotency_key) for m in kept if m] == [
        ("m0", "pending", "wh-0", "key-0"),
        ("m1", "sent", "wh-1", "key-1"),
        ("m2", "failed", "wh-2", "key-2"),
    ]
    assert created.id == 5  # never the id of the deleted row
    with sqlite3.connect(database_path) as connection:
        indexes = {
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' "
                "AND name LIKE 'ix_%'"
            )
        }
    assert indexes == {
        "ix_messages_due",
        "ix_messages_status_id",
        "ix_messages_status_sent_order",
        "ix_messages_phone_number",
    }
