"""Claims on MySQL under the conditions of production: several processes racing, a table full
of sent rows, and several processes migrating one fresh database at once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from adapters.mysql import MySqlMessageRepository
from adapters.mysql.migrations import load_migrations
from adapters.mysql.queries import CLAIM_DUE
from adapters.mysql.rows import to_db_time
from contract.mysql_databases import ScratchDatabase, scratch_database
from contract.repository_contract import LEASE, PHONE, START, new_message
from insider_core import Message

pytestmark = pytest.mark.mysql

DIGITS = " UNION ALL ".join(f"SELECT {d} AS d" for d in range(10))
# 0..99,999 from five cross-joined digit tables: fast, and needs no sequence engine.
NUMBERS = (
    "SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d AS n "
    f"FROM ({DIGITS}) a CROSS JOIN ({DIGITS}) b CROSS JOIN ({DIGITS}) c "
    f"CROSS JOIN ({DIGITS}) e CROSS JOIN ({DIGITS}) f"
)
INSERT_SENT_ROWS = (
    "INSERT INTO messages (content, phone_number, status, message_id, sent_at, attempts, "
    "next_attempt_at, idempotency_key, created_at, updated_at) "
    "SELECT 'delivered long ago', %s, 'sent', CONCAT('wh-', n), %s, 1, %s, "
    "CONCAT('sent-', n), %s, %s "
    f"FROM ({NUMBERS}) numbers WHERE n < %s"
)


EXPLAIN_COLUMNS = (
    "id",
    "select_type",
    "table",
    "type",
    "possible_keys",
    "key",
    "key_len",
    "ref",
    "rows",
    "Extra",
)


@pytest.fixture(scope="module")
def scratch(mysql_url: str) -> Iterator[ScratchDatabase]:
    with scratch_database(mysql_url) as database:
        yield database


async def test_four_racing_claimers_take_every_due_message_exactly_once(
    scratch: ScratchDatabase,
) -> None:
    claimers = [await scratch.open_repository(pool_maxsize=2) for _ in range(4)]
    await scratch.empty()
    try:
        assert await claimers[0].add_many([new_message(START) for _ in range(2000)]) == 2000

        async def drain(repository: MySqlMessageRepository) -> list[Message]:
            taken: list[Message] = []
            while batch := await repository.claim_due(25, START, START + LEASE, uuid.uuid4().hex):
                taken.extend(batch)
            return taken

        takes = await asyncio.gather(*(drain(claimer) for claimer in claimers))

        claimed = [message.id for take in takes for message in take]
        assert len(claimed) == len(set(claimed)) == 2000
        assert (await claimers[0].stats()).sending == 2000
        assert all(takes), "a claimer found nothing while due messages remained"
    finally:
        for claimer in claimers:
            await claimer.close()


async def test_the_claim_reads_the_due_rows_through_the_due_index_not_the_sent_rows(
    scratch: ScratchDatabase,
) -> None:
    repository = await scratch.open_repository()
    await scratch.empty()
    try:
        long_ago = to_db_time(START - timedelta(days=30))
        await scratch.query(
            INSERT_SENT_ROWS, (PHONE, long_ago, long_ago, long_ago, long_ago, 50_000)
        )
        await repository.add_many([new_message(START) for _ in range(10)])
        await scratch.query("ANALYZE TABLE messages")
        now = to_db_time(START + timedelta(seconds=1))

        [plan] = await _explain(scratch, CLAIM_DUE, (now, now, 10))

        assert (await repository.stats()).sent == 50_000
        assert plan["key"] == "ix_messages_due", plan
        assert plan["type"] in ("range", "ref"), plan
        assert int(plan["rows"]) < 1000, plan
        assert len(await repository.claim_due(100, START, START + LEASE, "t")) == 10
    finally:
        await repository.close()


async def _explain(
    scratch: ScratchDatabase, statement: str, params: tuple[object, ...]
) -> list[dict[str, Any]]:
    rows = await scratch.query(f"EXPLAIN {statement}", params)
    return [dict(zip(EXPLAIN_COLUMNS, row, strict=True)) for row in rows]


@pytest.fixture
def fresh_database(mysql_url: str) -> Iterator[ScratchDatabase]:
    with scratch_database(mysql_url) as database:
        yield database


async def test_three_processes_opening_a_fresh_database_apply_each_migration_once(
    fresh_database: ScratchDatabase,
) -> None:
    opened = await asyncio.gather(*(fresh_database.open_repository() for _ in range(3)))
    try:
        rows = await fresh_database.query("SELECT name FROM schema_migrations ORDER BY name")
        assert [name for (name,) in rows] == [m.name for m in load_migrations()]
        assert all([await repository.ping() for repository in opened])
    finally:
        for repository in opened:
            await repository.close()


async def test_concurrent_migrations_share_the_work_without_repeating_any(
    fresh_database: ScratchDatabase,
) -> None:
    opened = await asyncio.gather(
        *(fresh_database.open_repository(migrate=False) for _ in range(3))
    )
    try:
        applied = await asyncio.gather(*(repository.migrate() for repository in opened))

        assert sorted(name for names in applied for name in names) == [
            m.name for m in load_migrations()
        ]
        assert sum(1 for names in applied if names) == 1
    finally:
        for repository in opened:
            await repository.close()
