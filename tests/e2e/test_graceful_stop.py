"""SIGTERM in the middle of a batch: the batch in flight is recorded, then the process exits 0;
on MariaDB and on PostgreSQL."""

from __future__ import annotations

import asyncio
import signal

import redis

from e2e.conftest import SqlDatabase, count_by_status
from e2e.launcher import Launcher
from e2e.processes import wait_until


def test_sigterm_mid_batch_records_every_batch_in_flight_and_exits_0_with_nothing_left_sending(
    launch: Launcher, sql_stores: dict[str, str], sql_database: SqlDatabase
) -> None:
    launch.seed(sql_stores, 12)
    receiver = launch.receiver("--latency", "1.5")
    service = launch.service(
        {
            **sql_stores,
            "AUTO_START_SCHEDULER": "true",
            "MESSAGE_SEND_INTERVAL_SECONDS": "0.1",
            "MESSAGE_BATCH_SIZE": "5",
            "DISPATCH_PIPELINE": "2",
            "WEBHOOK_TIMEOUT_SECONDS": "5",
            "WEBHOOK_URL": receiver.webhook_url,
        }
    )
    wait_until(lambda: receiver.stats()["requests"] == 10, 15, "both batches of the pipeline")

    service.signal(signal.SIGTERM)

    assert service.wait(15) == 0, service.output()
    assert "the batches in flight were recorded" in service.output()
    assert count_by_status(sql_database) == {"sent": 10, "pending": 2}
    [(attempts,)] = asyncio.run(sql_database.query("SELECT COUNT(*) FROM delivery_attempts"))
    assert attempts == 10
    assert (receiver.stats()["requests"], receiver.stats()["accepted"]) == (10, 10)
    cache = redis.Redis.from_url(sql_stores["REDIS_URL"])
    try:
        assert len(cache.keys("sent_message:*")) == 10
    finally:
        cache.close()
