"""The pool's sessions: given back without a reset query, and never reused mid-transaction."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from adapters.postgres.database import Database
from contract.postgres_databases import PostgresScratch

pytestmark = pytest.mark.postgres


@pytest.fixture
async def one_session(
    pg_scratch: PostgresScratch, postgres_repository: object
) -> AsyncIterator[Database]:
    """A pool of one session over the module's migrated database."""
    database = await pg_scratch.open_database()
    yield database
    await database.close()


async def test_a_session_goes_back_to_the_pool_without_a_statement_of_its_own(
    one_session: Database,
) -> None:
    statements: list[str] = []
    async with one_session.connection() as session:
        session.add_query_logger(lambda record: statements.append(record.query))
        await session.fetchval("SELECT 1")

    async with one_session.connection() as session:
        await session.fetchval("SELECT 2")

    assert statements == ["SELECT 1", "SELECT 2"]


async def test_a_transaction_cut_short_is_rolled_back_before_its_session_is_used_again(
    one_session: Database, pg_scratch: PostgresScratch
) -> None:
    started = asyncio.Event()

    async def interrupted() -> None:
        async with one_session.connection() as session:
            await session.execute("BEGIN")
            await session.execute("UPDATE send_slots SET next_free = now()")
            started.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(interrupted())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    async with one_session.connection() as session:
        assert await session.fetchval("SELECT next_free FROM send_slots") is None
        assert not session.is_in_transaction()
