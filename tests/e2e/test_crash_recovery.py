"""A service process killed with SIGKILL in the middle of a batch: its claims expire and
another process sends those messages, each with the Idempotency-Key it had the first time. On
MariaDB and on PostgreSQL."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime

from e2e.conftest import SqlDatabase
from e2e.launcher import Launcher
from e2e.processes import wait_until

LEASE_SECONDS = 3
SETTINGS = {
    "AUTO_START_SCHEDULER": "true",
    "MESSAGE_SEND_INTERVAL_SECONDS": "0.1",
    "MESSAGE_BATCH_SIZE": "5",
    "WEBHOOK_TIMEOUT_SECONDS": "5",
    "CLAIM_LEASE_SECONDS": str(LEASE_SECONDS),
}


def claims(database: SqlDatabase, status: str) -> dict[int, tuple[str, datetime | None]]:
    """id -> (idempotency key, lease end) of the messages in `status`, read from the database
    (MariaDB gives the lease end without its zone, PostgreSQL in UTC)."""
    rows = asyncio.run(
        database.query("SELECT id, idempotency_key, lease_until, status FROM messages")
    )
    return {
        id_: (key, lease and lease.replace(tzinfo=UTC))
        for id_, key, lease, row_status in rows
        if row_status == status
    }


def test_messages_leased_by_a_killed_process_are_sent_by_another_after_the_lease_with_the_same_key(
    launch: Launcher, sql_stores: dict[str, str], sql_database: SqlDatabase
) -> None:
    launch.seed(sql_stores, 10)
    receiver = launch.receiver("--latency", "1")
    crashing = launch.service({**sql_stores, **SETTINGS, "WEBHOOK_URL": receiver.webhook_url})
    wait_until(lambda: receiver.stats()["requests"] == 10, 15, "both batches of the pipeline")

    assert crashing.kill() == -signal.SIGKILL
    sent_before = claims(sql_database, "sent")
    in_flight = claims(sql_database, "sending")
    assert (len(sent_before), len(in_flight)) == (0, 10)

    survivor = launch.service({**sql_stores, **SETTINGS, "WEBHOOK_URL": receiver.webhook_url})
    wait_until(lambda: survivor.stats()["sent"] == 10, 15, f"recovery ({survivor.log})")

    assert survivor.stats() == {"pending": 0, "sending": 0, "sent": 10, "failed": 0, "total": 10}
    for message_id, (_, lease_until) in in_flight.items():
        message = survivor.message(message_id)
        [attempt] = survivor.attempts(message_id)
        # The expired lease counted as the first attempt; the survivor's send is the second.
        assert (message["attempts"], attempt["attemptNumber"]) == (2, 2)
        assert lease_until is not None
        assert datetime.fromisoformat(attempt["startedAt"]) >= lease_until
    received = receiver.stats()
    # Every key seen twice is a key of a batch in flight at the kill, once from each process.
    # The receiver accepted both copies (the killed process never recorded its answer): this is
    # at-least-once, and the shared Idempotency-Key is how the receiver can drop the copy.
    assert received["duplicateKeys"] == {key: 2 for key, _ in in_flight.values()}
    assert (received["unique"], received["withoutKey"]) == (10, 0)
    assert (received["duplicates"], received["acceptedDuplicates"]) == (10, 10)
