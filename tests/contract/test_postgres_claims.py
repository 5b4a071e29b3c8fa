"""Claims and records on PostgreSQL under the conditions of production: several processes
racing, a table full of sent rows, other systems writing into the table."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from adapters.postgres import PostgresMessageRepository
from adapters.postgres.claims import save_results
from adapters.postgres.database import TRANSACTION_RUNS
from adapters.postgres.queries import LOCK_DUE, SAVE_OUTCOMES
from adapters.postgres.rows import outcome_arrays
from contract.postgres_databases import PostgresScratch
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

pytestmark = pytest.mark.postgres

INSERT_SENT_ROWS = (
    "INSERT INTO messages (content, phone_number, status, message_id, sent_at, attempts, "
    "next_attempt_at, idempotency_key, created_at, updated_at) "
    "SELECT 'delivered long ago', $1, 'sent', 'wh-' || n, $2, 1, $2, 'sent-' || n, $2, $2 "
    "FROM generate_series(1, $3) AS n"
)


async def test_four_racing_claimers_take_every_due_message_exactly_once(
    pg_scratch: PostgresScratch,
) -> None:
    claimers = [await pg_scratch.open_repository(pool_maxsize=2) for _ in range(4)]
    await pg_scratch.empty()
    try:
        assert await claimers[0].add_many([new_message(START) for _ in range(2000)]) == 2000

        async def drain(repository: PostgresMessageRepository) -> list[Message]:
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


async def test_the_counts_stay_exact_while_creators_workers_and_replays_race(
    pg_scratch: PostgresScratch,
) -> None:
    repositories = [await pg_scratch.open_repository(pool_maxsize=3) for _ in range(4)]
    await pg_scratch.empty()
    try:

        async def create(repository: PostgresMessageRepository, prefix: str) -> None:
            for round_ in range(20):
                keys = [f"{prefix}-{round_}-{n}" for n in range(20)] + [f"shared-{round_}"]
                news = [new_message(START, key=key) for key in keys]
                await asyncio.gather(*(repository.add(new) for new in news))

        creating = asyncio.gather(create(repositories[0], "a"), create(repositories[1], "b"))

        async def work(repository: PostgresMessageRepository) -> int:
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

        counted = dict(
            await pg_scratch.query("SELECT status, COUNT(*) FROM messages GROUP BY status")
        )
        stats = await repositories[0].stats()
        assert stats.total == 2 * 20 * 20 + 20  # each creator's own keys, and the shared ones
        assert (stats.pending, stats.sending, stats.sent, stats.failed) == tuple(
            counted.get(status, 0) for status in ("pending", "sending", "sent", "failed")
        )
    finally:
        for repository in repositories:
            await repository.close()


async def test_rows_written_around_the_repository_are_counted_at_once(
    postgres_repository: PostgresMessageRepository, pg_scratch: PostgresScratch
) -> None:
    await postgres_repository.add_many([new_message(START) for _ in range(3)])
    await pg_scratch.query(INSERT_SENT_ROWS, (PHONE, START - timedelta(days=30), 500))
    await pg_scratch.query(
        "UPDATE messages SET status = 'failed' "
        "WHERE id IN (SELECT id FROM messages WHERE status = 'sent' LIMIT 10)"
    )
    await pg_scratch.query(
        "DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE status = 'sent' LIMIT 90)"
    )

    stats = await postgres_repository.stats()
    assert (stats.pending, stats.sent, stats.failed, stats.total) == (3, 400, 10, 413)

    await pg_scratch.query("TRUNCATE messages")
    assert (await postgres_repository.stats()).total == 0


async def test_recording_takes_as_many_statements_for_200_results_as_for_2(
    postgres_repository: PostgresMessageRepository, pg_scratch: PostgresScratch
) -> None:
    await postgres_repository.add_many([new_message(START) for _ in range(204)])
    connection = await pg_scratch.connect()

    async def statements_to_record(count: int) -> int:
        claimed = await postgres_repository.claim_due(
            count, START, START + LEASE, f"t-{count}", max_attempts=MAX_ATTEMPTS
        )
        outcomes = (ACCEPTED, UNAVAILABLE)
        results = [outcome_of(m, outcomes[i % 2], START) for i, m in enumerate(claimed)]
        statements: list[str] = []
        async with connection.transaction():
            with connection.query_logger(lambda record: statements.append(record.query)):
                assert await save_results(connection, results) == count
        return len(statements)

    try:
        await statements_to_record(2)  # asyncpg reads the array types once per connection
        assert await statements_to_record(2) == await statements_to_record(200) == 2
    finally:
        await connection.close()
    assert (await postgres_repository.stats()).sent == 102


async def test_the_claim_reads_the_due_rows_through_the_partial_index_not_the_sent_rows(
    postgres_repository: PostgresMessageRepository, pg_scratch: PostgresScratch
) -> None:
    await pg_scratch.query(INSERT_SENT_ROWS, (PHONE, START - timedelta(days=30), 50_000))
    await postgres_repository.add_many([new_message(START) for _ in range(10)])
    await pg_scratch.query("ANALYZE messages")
    now = START + timedelta(seconds=1)

    plan = await explain_analyze(pg_scratch, LOCK_DUE, (now, 100))

    scans = [node for node in plan_nodes(plan) if node.get("Relation Name") == "messages"]
    due = [node for node in scans if node.get("Index Name") == "ix_messages_due"]
    assert due, plan
    assert all(node["Node Type"] != "Seq Scan" for node in scans), plan
    assert sum(node["Actual Rows"] for node in due) == 10, plan
    assert (await postgres_repository.stats()).sent == 50_000
    assert (
        len(
            await postgres_repository.claim_due(
                100, now, now + LEASE, "t", max_attempts=MAX_ATTEMPTS
            )
        )
        == 10
    )


async def test_recording_reaches_the_batch_rows_by_primary_key_not_every_sending_row(
    postgres_repository: PostgresMessageRepository, pg_scratch: PostgresScratch
) -> None:
    await postgres_repository.add_many([new_message(START) for _ in range(5000)])
    # Statistics from before the claim, as between two runs of autovacuum's analyze: they say
    # no row is sending, which made the planner read every 'sending' entry of the status index
    # (every message sent since the last vacuum) for each batch recorded.
    await pg_scratch.query("ANALYZE messages")
    claimed = await postgres_repository.claim_due(
        4000, START, START + LEASE, "token", max_attempts=MAX_ATTEMPTS
    )
    results = [outcome_of(m, ACCEPTED, START) for m in claimed[:2]]

    plan = await explain_analyze(pg_scratch, SAVE_OUTCOMES, tuple(outcome_arrays(results)))

    scans = [node for node in plan_nodes(plan) if node["Node Type"].endswith("Scan")]
    [messages] = [node for node in scans if node.get("Relation Name") == "messages"]
    # One lookup by primary key per result, whatever the statistics say of the statuses.
    assert messages["Node Type"] == "Index Scan", plan
    assert messages["Index Name"] == "messages_pkey", plan
    assert messages["Actual Loops"] == 2, plan


async def test_a_replay_the_server_undoes_to_break_a_deadlock_is_run_again_and_replays_all(
    pg_scratch: PostgresScratch,
    postgres_repository: PostgresMessageRepository,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await postgres_repository.add_many([new_message(START) for _ in range(2)])
    batch = await postgres_repository.claim_due(
        2, START, START + LEASE, "token", max_attempts=MAX_ATTEMPTS
    )
    await postgres_repository.save_results([outcome_of(m, REJECTED, START) for m in batch])
    first, second = sorted(message.id for message in batch)
    other = await pg_scratch.connect()
    try:
        # The other writer waits long before it looks for a deadlock, so the server breaks
        # this one by undoing the replay, whose wait began first.
        await other.execute("SET deadlock_timeout = '30s'")
        transaction = other.transaction()
        await transaction.start()
        await other.execute("SELECT id FROM messages WHERE id = $1 FOR UPDATE", second)
        replaying = asyncio.create_task(postgres_repository.replay_all(START))
        await asyncio.sleep(0.5)  # the replay holds the first message and waits for the second
        assert not replaying.done()
        await other.execute("SELECT id FROM messages WHERE id = $1 FOR UPDATE", first)
        await transaction.commit()
        assert await asyncio.wait_for(replaying, 10) == 2
    finally:
        await other.close()

    assert "transaction undone by the server, running it again" in caplog.text
    stats = await postgres_repository.stats()
    assert (stats.pending, stats.failed) == (2, 0)


async def test_a_transaction_is_run_again_only_when_the_server_undid_it_and_at_most_thrice(
    pg_scratch: PostgresScratch, postgres_repository: PostgresMessageRepository
) -> None:
    database = await pg_scratch.open_database()
    runs: list[str] = []

    def failing_with(error: Exception) -> Any:
        async def work(session: Any) -> None:
            runs.append(type(error).__name__)
            await session.execute("SELECT 1")
            raise error

        return work

    try:
        cases = (
            (asyncpg.DeadlockDetectedError("undone"), TRANSACTION_RUNS),
            (asyncpg.SerializationError("undone"), TRANSACTION_RUNS),
            (asyncpg.UniqueViolationError("not a conflict of the moment"), 1),
        )
        for error, expected_runs in cases:
            runs.clear()
            with pytest.raises(type(error)):
                await database.run_transaction(failing_with(error))
            assert len(runs) == expected_runs
    finally:
        await database.close()


async def explain_analyze(
    scratch: PostgresScratch, statement: str, params: tuple[object, ...]
) -> dict[str, Any]:
    """The executed plan of `statement`, its changes rolled back."""
    connection = await scratch.connect()
    try:
        transaction = connection.transaction()
        await transaction.start()
        try:
            text = await connection.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", *params)
        finally:
            await transaction.rollback()
    finally:
        await connection.close()
    plan: dict[str, Any] = json.loads(text)[0]["Plan"]
    return plan


def plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(node for child in plan.get("Plans", []) for node in plan_nodes(child))]


async def test_a_message_created_while_a_batch_holds_the_counts_of_status_changes_does_not_wait(
    postgres_repository: PostgresMessageRepository, pg_scratch: PostgresScratch
) -> None:
    await pg_scratch.query(
        "INSERT INTO message_counts (status, slot, messages) "
        "SELECT 'pending', slot, 0 FROM generate_series(0, 15) AS slot ON CONFLICT DO NOTHING"
    )
    batch = await pg_scratch.connect()
    try:
        async with batch.transaction():
            # What a claim or a record holds until it commits: its slot's counts.
            await batch.execute("SELECT * FROM message_counts WHERE slot < 16 FOR UPDATE")

            created, _ = await asyncio.wait_for(postgres_repository.add(new_message(START)), 5)
    finally:
        await batch.close()

    assert (await postgres_repository.stats()).pending == 1
    assert created.id == 1
