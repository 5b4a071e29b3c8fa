from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiomysql
import pytest

from adapters.mysql import MySqlMessageRepository
from adapters.mysql.migrations import load_migrations
from adapters.mysql.repository import REPLAY_CHUNK_ROWS
from contract.mysql_databases import ScratchDatabase
from contract.operator_reads_contract import OperatorReadsContract
from contract.outbox_contract import OutboxContract, OutsideWriter
from contract.repository_contract import (
    ACCEPTED,
    LEASE,
    MAX_ATTEMPTS,
    START,
    UNAVAILABLE,
    MessageRepositoryContract,
    new_message,
    outcome_of,
)
from contract.send_slots_contract import SendSlotLedgerContract
from contract.shared_records_contract import SharedRecordsContract
from e2e.tcp_proxy import TcpProxy, free_port
from insider_core import MessageRepository, StoreUnavailable

pytestmark = pytest.mark.mysql


class TestMySqlMessageRepository(
    MessageRepositoryContract,
    OperatorReadsContract,
    SendSlotLedgerContract,
    SharedRecordsContract,
):
    @pytest.fixture
    def repository(self, mysql_repository: MySqlMessageRepository) -> MessageRepository:
        return mysql_repository

    @pytest.fixture
    def replay_chunk_rows(self) -> int:
        return REPLAY_CHUNK_ROWS

    @pytest.fixture
    async def unreachable_repository(
        self, scratch: ScratchDatabase
    ) -> AsyncIterator[MessageRepository]:
        """Opened through a proxy that then drops every connection and refuses new ones."""
        proxy = TcpProxy(scratch.server.host, scratch.server.port).start()
        repository = await scratch.open_repository(
            host="127.0.0.1", port=proxy.port, connect_timeout=2
        )
        proxy.cut()
        yield repository
        await repository.close()
        proxy.close()


async def test_opening_creates_the_database_as_utf8mb4_innodb_tables(
    mysql_repository: MySqlMessageRepository, scratch: ScratchDatabase
) -> None:
    [(charset,)] = await scratch.query(
        "SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
        (scratch.name,),
    )
    tables = await scratch.query(
        "SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME",
        (scratch.name,),
    )

    assert charset == "utf8mb4"
    assert sorted(name for name, _, _ in tables) == [
        "delivery_attempts",
        "message_counts",
        "messages",
        "schema_migrations",
        "send_slots",
        "shared_records",
    ]
    assert {engine for _, engine, _ in tables} == {"InnoDB"}
    assert all(collation.startswith("utf8mb4") for _, _, collation in tables)


async def test_reopening_a_migrated_database_applies_nothing(
    mysql_repository: MySqlMessageRepository, scratch: ScratchDatabase
) -> None:
    again = await scratch.open_repository(migrate=False)
    try:
        assert await again.migrate() == []
    finally:
        await again.close()
    rows = await scratch.query("SELECT name FROM schema_migrations ORDER BY name")
    assert [name for (name,) in rows] == [m.name for m in load_migrations()]


async def test_a_server_that_refuses_connections_fails_open_with_store_unavailable(
    scratch: ScratchDatabase,
) -> None:
    with pytest.raises(StoreUnavailable):
        await scratch.open_repository(host="127.0.0.1", port=free_port(), connect_timeout=2)


async def test_credentials_the_server_refuses_fail_open_with_store_unavailable(
    scratch: ScratchDatabase,
) -> None:
    with pytest.raises(StoreUnavailable):
        await scratch.open_repository(user="insider_no_such_user", password="wrong")


async def test_a_closed_repository_is_unavailable_and_pings_false(
    scratch: ScratchDatabase,
) -> None:
    repository = await scratch.open_repository()
    await repository.close()

    assert await repository.ping() is False
    with pytest.raises(StoreUnavailable):
        await repository.stats()


async def test_recording_takes_as_many_statements_for_200_results_as_for_2(
    scratch: ScratchDatabase,
) -> None:
    repository = await scratch.open_repository(pool_minsize=1, pool_maxsize=1)
    await scratch.empty()
    try:
        await repository.add_many([new_message(START) for _ in range(202)])

        async def statements_to_record(count: int) -> int:
            claimed = await repository.claim_due(
                count, START, START + LEASE, f"token-{count}", max_attempts=MAX_ATTEMPTS
            )
            outcomes = (ACCEPTED, UNAVAILABLE)
            results = [outcome_of(m, outcomes[i % 2], START) for i, m in enumerate(claimed)]
            before = await _statements_sent(repository)
            assert await repository.save_results(results) == count
            return await _statements_sent(repository) - before

        assert await statements_to_record(2) == await statements_to_record(200)
        assert (await repository.stats()).sent == 101
    finally:
        await repository.close()


async def test_messages_created_at_once_share_one_insert(scratch: ScratchDatabase) -> None:
    repository = await scratch.open_repository(pool_minsize=1, pool_maxsize=1)
    await scratch.empty()
    try:
        await asyncio.gather(*(repository.add(new_message(START)) for _ in range(3)))  # warm up

        async def statements_to_create(count: int) -> int:
            before = await _statements_sent(repository)
            created = await asyncio.gather(
                *(repository.add(new_message(START)) for _ in range(count))
            )
            assert len({message.id for message, _ in created}) == count
            return await _statements_sent(repository) - before

        assert await statements_to_create(100) == await statements_to_create(2)
        assert await statements_to_create(1) <= await statements_to_create(2)
        assert (await repository.stats()).pending == 108
    finally:
        await repository.close()


async def test_a_shared_insert_gives_each_creator_the_id_of_its_own_row(
    mysql_repository: MySqlMessageRepository,
) -> None:
    """A multi-row INSERT's ids need not be consecutive (innodb_autoinc_lock_mode 2, MySQL 8's
    default): they are read back by idempotency key."""
    await mysql_repository.add(new_message(START, content="before"))
    news = [new_message(START, content=f"at once {n}") for n in range(20)]

    created = await asyncio.gather(*(mysql_repository.add(new) for new in news))

    for (message, is_new), new in zip(created, news, strict=True):
        assert is_new
        assert await mysql_repository.get(message.id) == message
        assert message.idempotency_key == new.idempotency_key


async def _statements_sent(repository: MySqlMessageRepository) -> int:
    """The server's statement count for the pool's only connection (minus this query)."""
    async with repository._database.cursor() as cursor:
        await cursor.execute("SHOW SESSION STATUS LIKE 'Questions'")
        (_, value) = await cursor.fetchone()
    return int(value)


class NonUtcSession(OutsideWriter):
    """Another system's connection, in a session whose clock reads three hours ahead of UTC."""

    def __init__(self, scratch: ScratchDatabase) -> None:
        self.scratch = scratch

    async def execute(self, statement: str) -> None:
        server = self.scratch.server
        connection = await aiomysql.connect(
            host=server.host,
            port=server.port,
            user=server.user,
            password=server.password,
            db=self.scratch.name,
            charset="utf8mb4",
            autocommit=True,
        )
        try:
            async with connection.cursor() as cursor:
                await cursor.execute("SET time_zone = '+03:00'")
                await cursor.execute(statement)
        finally:
            connection.close()


class TestMySqlOutbox(OutboxContract):
    @pytest.fixture
    def repository(self, mysql_repository: MySqlMessageRepository) -> MessageRepository:
        return mysql_repository

    @pytest.fixture
    def outside(self, scratch: ScratchDatabase) -> OutsideWriter:
        return NonUtcSession(scratch)
