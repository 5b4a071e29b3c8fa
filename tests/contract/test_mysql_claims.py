"""Claims on MySQL under the conditions of production: several processes racing, a table full
of sent rows, and several processes migrating one fresh database at once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from typing import Any

import pymysql
import pytest

from adapters.mysql import MySqlMessageRepository
from adapters.mysql.database import TRANSACTION_RUNS
from adapters.mysql.migrations import load_migrations
from adapters.mysql.queries import CLAIM_DUE, save_outcomes, save_under_token
from adapters.mysql.rows import to_db_time
from contract.mysql_databases import ScratchDatabase, scratch_database
from contract.repository_contract import (
    ACCEPTED,
    LEASE,
    MAX_ATTEMPTS,
    PHONE,
    REJECTED,
    START,
    UNAVAILABLE,
    new_message,
    outcome_of,
)
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


async def test_four_racing_claimers_take_every_due_message_exactly_once(
    scratch: ScratchDatabase,
) -> None:
    claimers = [await scratch.open_repository(pool_maxsize=2) for _ in range(4)]
    await scratch.empty()
    try:
        assert await claimers[0].add_many([new_message(START) for _ in range(2000)]) == 2000

        async def drain(repository: MySqlMessageRepository) -> list[Message]:
            taken: list[Message] = []
            while batch := await repository.claim_due(
                25, START, START + LEASE, uuid.uuid4().hex, max_attempts=MAX_ATTEMPTS
            ):
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


async def test_four_racing_workers_record_their_batches_without_waiting_on_each_other(
    scratch: ScratchDatabase,
) -> None:
    workers = [await scratch.open_repository(pool_maxsize=2) for _ in range(4)]
    await scratch.empty()
    try:
        assert await workers[0].add_many([new_message(START) for _ in range(2000)]) == 2000

        async def work(repository: MySqlMessageRepository) -> int:
            recorded = 0
            while batch := await repository.claim_due(
                50, START, START + LEASE, uuid.uuid4().hex, max_attempts=MAX_ATTEMPTS
            ):
                outcomes = (ACCEPTED, UNAVAILABLE)
                results = [outcome_of(m, outcomes[m.id % 2], START) for m in batch]
                recorded += await repository.save_results(results)
            return recorded

        recorded = await asyncio.gather(*(work(worker) for worker in workers))

        assert sum(recorded) == 2000
        stats = await workers[0].stats()
        assert (stats.sent, stats.pending, stats.sending) == (1000, 1000, 0)
        [(attempts,)] = await scratch.query("SELECT COUNT(*) FROM delivery_attempts")
        assert attempts == 2000
    finally:
        for worker in workers:
            await worker.close()


async def test_the_counts_stay_exact_while_creators_workers_and_replays_race(
    scratch: ScratchDatabase,
) -> None:
    repositories = [await scratch.open_repository(pool_maxsize=3) for _ in range(4)]
    await scratch.empty()
    try:

        async def create(repository: MySqlMessageRepository, prefix: str) -> None:
            for round_ in range(20):
                keys = [f"{prefix}-{round_}-{n}" for n in range(20)] + [f"shared-{round_}"]
                news = [new_message(START, key=key) for key in keys]
                await asyncio.gather(*(repository.add(new) for new in news))

        creating = asyncio.gather(create(repositories[0], "a"), create(repositories[1], "b"))

        async def work(repository: MySqlMessageRepository) -> int:
            outcomes = (ACCEPTED, UNAVAILABLE, REJECTED)
            recorded = 0
            while not creating.done() or recorded < 100:
                batch = await repository.claim_due(
                    15, START, START + LEASE, uuid.uuid4().hex, max_attempts=MAX_ATTEMPTS
                )
                results = [outcome_of(m, outcomes[m.id % 3], START) for m in batch]
                recorded += await repository.save_results(results)
                await repository.replay_all(START)
            return recorded

        recorded = await asyncio.gather(work(repositories[2]), work(repositories[3]))
        await creating
        assert min(recorded) >= 100

        counted = dict(await scratch.query("SELECT status, COUNT(*) FROM messages GROUP BY status"))
        stats = await repositories[0].stats()
        assert stats.total == 2 * 20 * 20 + 20  # each creator's own keys, and the shared ones
        assert (stats.pending, stats.sending, stats.sent, stats.failed) == tuple(
            counted.get(status, 0) for status in ("pending", "sending", "sent", "failed")
        )
    finally:
        for repository in repositories:
            await repository.close()


async def test_rows_written_around_the_repository_are_counted_at_once(
    mysql_repository: MySqlMessageRepository, scratch: ScratchDatabase
) -> None:
    await mysql_repository.add_many([new_message(START) for _ in range(3)])
    long_ago = to_db_time(START - timedelta(days=30))
    await scratch.query(INSERT_SENT_ROWS, (PHONE, long_ago, long_ago, long_ago, long_ago, 500))
    await scratch.query("UPDATE messages SET status = 'failed' WHERE status = 'sent' LIMIT 10")
    await scratch.query("DELETE FROM messages WHERE status = 'sent' LIMIT 90")

    stats = await mysql_repository.stats()
    assert (stats.pending, stats.sent, stats.failed, stats.total) == (3, 400, 10, 413)


async def test_the_counts_follow_every_change_of_status_the_repository_makes(
    mysql_repository: MySqlMessageRepository, scratch: ScratchDatabase
) -> None:
    await mysql_repository.add_many([new_message(START) for _ in range(6)])
    batch = await mysql_repository.claim_due(
        4, START, START + LEASE, "token", max_attempts=MAX_ATTEMPTS
    )
    outcomes = (ACCEPTED, UNAVAILABLE, REJECTED, ACCEPTED)
    results = [outcome_of(m, o, START) for m, o in zip(batch, outcomes, strict=True)]
    assert await mysql_repository.save_results(results) == 4
    assert await mysql_repository.replay_all(START) == 1
    await scratch.query("UPDATE messages SET status = 'failed' ORDER BY id DESC LIMIT 1")

    stats = await mysql_repository.stats()
    assert (stats.pending, stats.sending, stats.sent, stats.failed) == (3, 0, 2, 1)


async def test_a_record_the_server_undoes_to_break_a_deadlock_is_run_again_and_saved(
    mysql_repository: MySqlMessageRepository,
    scratch: ScratchDatabase,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await mysql_repository.add_many([new_message(START) for _ in range(52)])
    first, second = await mysql_repository.claim_due(
        2, START, START + LEASE, "token", max_attempts=MAX_ATTEMPTS
    )
    other = await scratch.connect()
    try:
        async with other.cursor() as cursor:
            # Another writer, with more changes of its own than the record will have when the
            # two meet (the server undoes the smaller one), holds the batch's second message.
            await cursor.execute("BEGIN")
            await cursor.execute(
                "UPDATE messages SET last_error = 'busy' WHERE id > %s", (max(first.id, second.id),)
            )
            await cursor.execute("SELECT id FROM messages WHERE id = %s FOR UPDATE", (second.id,))
            results = [outcome_of(message, ACCEPTED, START) for message in (first, second)]
            recording = asyncio.create_task(mysql_repository.save_results(results))
            await asyncio.sleep(0.5)  # the record holds the first and waits for the second
            assert not recording.done()
            # Now the other writer waits for the first: a deadlock, which the server breaks
            # by undoing the record.
            await cursor.execute("SELECT id FROM messages WHERE id = %s FOR UPDATE", (first.id,))
            await cursor.execute("COMMIT")
        assert await asyncio.wait_for(recording, 10) == 2
    finally:
        other.close()

    assert "transaction undone by the server, running it again" in caplog.text
    stats = await mysql_repository.stats()
    assert (stats.sent, stats.sending, stats.pending) == (2, 0, 50)
    assert (await mysql_repository.get(first.id)) == results[0].message
    assert len(await mysql_repository.list_attempts(second.id)) == 1


async def test_a_transaction_is_run_again_only_for_a_deadlock_or_lock_wait_and_at_most_thrice(
    scratch: ScratchDatabase,
) -> None:
    database = await scratch.open_database()
    runs: list[int] = []

    def failing_with(code: int) -> Callable[[Any], Awaitable[None]]:
        async def work(cursor: Any) -> None:
            runs.append(code)
            await cursor.execute("SELECT 1")
            raise pymysql.err.OperationalError(code, "undone")

        return work

    try:
        for code, expected_runs in ((1213, TRANSACTION_RUNS), (1205, TRANSACTION_RUNS), (1064, 1)):
            runs.clear()
            with pytest.raises(pymysql.err.OperationalError):
                await database.run_transaction(failing_with(code))
            assert runs == [code] * expected_runs
    finally:
        await database.close()


async def test_recording_reaches_the_batch_rows_by_primary_key_not_every_sending_row(
    mysql_repository: MySqlMessageRepository, scratch: ScratchDatabase
) -> None:
    await mysql_repository.add_many([new_message(START) for _ in range(50)])
    await mysql_repository.claim_due(1, START, START + LEASE, "token", max_attempts=MAX_ATTEMPTS)
    await scratch.query("ANALYZE TABLE messages")
    sent = (1, "wh-1", "2026-01-01", None, "2026-01-01")
    recorded = (
        1,
        "sent",
        1,
        "wh-1",
        "2026-01-01",
        "2026-01-01",
        None,
        None,
        None,
        "2026-01-01",
    )
    plans = [
        await _explain(scratch, save_under_token(2, all_sent=True), (*sent, *sent, "token")),
        await _explain(scratch, save_outcomes(2), (*recorded, "token") * 2),
    ]

    for plan in plans:
        messages = next(row for row in plan if row["table"] == "m")
        assert (messages["type"], messages["key"]) == ("eq_ref", "PRIMARY"), plan


async def test_the_claim_reads_the_due_rows_through_the_due_index_not_the_sent_rows(
    mysql_repository: MySqlMessageRepository, scratch: ScratchDatabase
) -> None:
    long_ago = to_db_time(START - timedelta(days=30))
    await scratch.query(INSERT_SENT_ROWS, (PHONE, long_ago, long_ago, long_ago, long_ago, 50_000))
    await mysql_repository.add_many([new_message(START) for _ in range(10)])
    await scratch.query("ANALYZE TABLE messages")
    now = to_db_time(START + timedelta(seconds=1))

    [plan] = await _explain(scratch, CLAIM_DUE, (now, now, 10))

    assert (await mysql_repository.stats()).sent == 50_000
    assert plan["key"] == "ix_messages_due", plan
    assert plan["type"] in ("range", "ref"), plan
    assert int(plan["rows"]) < 1000, plan
    assert (
        len(
            await mysql_repository.claim_due(
                100, START, START + LEASE, "t", max_attempts=MAX_ATTEMPTS
            )
        )
        == 10
    )


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
