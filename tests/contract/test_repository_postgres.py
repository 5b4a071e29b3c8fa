from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.postgres import PostgresMessageRepository
from adapters.postgres.migrations import load_migrations
from adapters.postgres.queries import REPLAY_CHUNK_ROWS
from contract.operator_reads_contract import OperatorReadsContract
from contract.outbox_contract import OutboxContract, OutsideWriter
from contract.postgres_databases import PostgresScratch
from contract.repository_contract import MessageRepositoryContract
from contract.send_slots_contract import SendSlotLedgerContract
from contract.shared_records_contract import SharedRecordsContract
from e2e.tcp_proxy import TcpProxy, free_port
from insider_core import MessageRepository, StoreUnavailable

pytestmark = pytest.mark.postgres


class TestPostgresMessageRepository(
    MessageRepositoryContract,
    OperatorReadsContract,
    SendSlotLedgerContract,
    SharedRecordsContract,
):
    @pytest.fixture
    def repository(self, postgres_repository: PostgresMessageRepository) -> MessageRepository:
        return postgres_repository

    @pytest.fixture
    def replay_chunk_rows(self) -> int:
        return REPLAY_CHUNK_ROWS

    @pytest.fixture
    async def unreachable_repository(
        self, pg_scratch: PostgresScratch
    ) -> AsyncIterator[MessageRepository]:
        """Opened through a proxy that then drops every connection and refuses new ones."""
        proxy = TcpProxy(pg_scratch.server.host, pg_scratch.server.port).start()
        repository = await pg_scratch.open_repository(
            host="127.0.0.1", port=proxy.port, connect_timeout=2
        )
        proxy.cut()
        yield repository
        await repository.close()
        proxy.close()


class OtherZoneSession(OutsideWriter):
    """Another system's connection, in a session whose time zone is three hours ahead of
    UTC and whose clock is not the service's."""

    def __init__(self, scratch: PostgresScratch) -> None:
        self.scratch = scratch

    async def execute(self, statement: str) -> None:
        await self.scratch.query(statement, after="SET TIME ZONE 'Europe/Istanbul'")


class TestPostgresOutbox(OutboxContract):
    @pytest.fixture
    def repository(self, postgres_repository: PostgresMessageRepository) -> MessageRepository:
        return postgres_repository

    @pytest.fixture
    def outside(self, pg_scratch: PostgresScratch) -> OutsideWriter:
        return OtherZoneSession(pg_scratch)


async def test_reopening_a_migrated_database_applies_nothing(
    postgres_repository: PostgresMessageRepository, pg_scratch: PostgresScratch
) -> None:
    again = await pg_scratch.open_repository(migrate=False)
    try:
        assert await again.migrate() == []
    finally:
        await again.close()
    rows = await pg_scratch.query("SELECT name FROM schema_migrations ORDER BY name")
    assert [name for (name,) in rows] == [m.name for m in load_migrations()]


async def test_times_are_stored_as_timestamptz(
    postgres_repository: PostgresMessageRepository, pg_scratch: PostgresScratch
) -> None:
    rows = await pg_scratch.query(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = 'messages' AND column_name LIKE '%\\_at' ORDER BY column_name"
    )
    assert rows == [
        (name, "timestamp with time zone")
        for name in (
            "created_at",
            "due_at",
            "next_attempt_at",
            "sent_at",
            "sent_order_at",
            "updated_at",
        )
    ]


async def test_a_server_that_refuses_connections_fails_open_with_store_unavailable(
    pg_scratch: PostgresScratch,
) -> None:
    with pytest.raises(StoreUnavailable):
        await pg_scratch.open_repository(host="127.0.0.1", port=free_port(), connect_timeout=2)


async def test_credentials_the_server_refuses_fail_open_with_store_unavailable(
    pg_scratch: PostgresScratch,
) -> None:
    with pytest.raises(StoreUnavailable):
        await pg_scratch.open_repository(user="insider_no_such_user", password="wrong")


async def test_a_closed_repository_is_unavailable_and_pings_false(
    pg_scratch: PostgresScratch,
) -> None:
    repository = await pg_scratch.open_repository()
    await repository.close()

    assert await repository.ping() is False
    with pytest.raises(StoreUnavailable):
        await repository.stats()
