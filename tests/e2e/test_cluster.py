"""Three service processes on one database (MariaDB, PostgreSQL) share the work and never
send twice."""

from __future__ import annotations

from e2e.conftest import SqlDatabase, database_url
from e2e.launcher import Launcher
from e2e.processes import wait_until

COUNT = 3000


def test_three_processes_on_one_database_send_each_of_3000_messages_exactly_once(
    launch: Launcher, sql_database: SqlDatabase, redis_e2e_url: str
) -> None:
    stores = {"DATABASE_URL": database_url(sql_database), "REDIS_URL": redis_e2e_url}
    receiver = launch.receiver()
    services = launch.services(
        {
            **stores,
            "AUTO_START_SCHEDULER": "true",
            "MESSAGE_SEND_INTERVAL_SECONDS": "0.2",
            "MESSAGE_BATCH_SIZE": "100",
            "WEBHOOK_URL": receiver.webhook_url,
        },
        count=3,
    )

    launch.seed(stores, COUNT)
    wait_until(lambda: services[0].stats()["sent"] == COUNT, 60, "every message to be sent")

    assert services[0].stats() == {
        "pending": 0,
        "sending": 0,
        "sent": COUNT,
        "failed": 0,
        "total": COUNT,
    }
    received = receiver.stats()
    assert (received["requests"], received["unique"], received["duplicates"]) == (COUNT, COUNT, 0)
    # Each lists every instance; the others' counts are as of their last beat.
    wait_until(lambda: services[1].scheduler_status()["messagesSent"] == COUNT, 5, "every beat")
    shares = [entry["messagesSent"] for entry in services[1].scheduler_status()["instances"]]
    assert len(shares) == 3
    assert sum(shares) == COUNT
    assert all(shares), f"every process took part: {shares}"
