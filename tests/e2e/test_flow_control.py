"""Flow control with real processes: a receiver that goes down for 20 seconds, and a rate
limit that three processes share; each on MariaDB and on PostgreSQL."""

from __future__ import annotations

import bisect
import time
from pathlib import Path
from typing import Any, NamedTuple

from e2e.conftest import SqlDatabase, database_url
from e2e.launcher import Launcher
from e2e.processes import Service, call, wait_until

OUTAGE_SECONDS = 20


def busiest_second(arrivals: list[float]) -> int:
    """The most arrivals in any 1-second window (each window starts at an arrival)."""
    ordered = sorted(arrivals)
    return max(
        (bisect.bisect_left(ordered, start + 1.0) - index for index, start in enumerate(ordered)),
        default=0,
    )


def test_a_20_second_receiver_outage_dead_letters_nothing_and_everything_is_sent_after_it(
    launch: Launcher, sql_stores: dict[str, str]
) -> None:
    receiver = launch.receiver()
    receiver.ready()
    assert call(receiver.url, "POST", "/control", {"alwaysStatus": 503})[0] == 200
    launch.seed(sql_stores, 1000)
    service = launch.service(
        {
            **sql_stores,
            "AUTO_START_SCHEDULER": "true",
            "MESSAGE_SEND_INTERVAL_SECONDS": "0.1",
            "MESSAGE_BATCH_SIZE": "100",
            "RETRY_BASE_SECONDS": "1",
            "RETRY_MAX_SECONDS": "4",
            "MAX_ATTEMPTS": "3",
            "WEBHOOK_URL": receiver.webhook_url,
        }
    )
    wait_until(lambda: receiver.stats()["requests"] > 0, 20, "the first send")
    wait_until(
        lambda: service.scheduler_status()["receiver"]["state"] != "closed", 10, "the breaker"
    )
    status, health = service.health()
    assert (status, health["status"], health["components"]["webhook"]) == (
        200,
        "degraded",
        {"status": "down"},
    )

    time.sleep(OUTAGE_SECONDS)
    during_outage = receiver.stats()["requests"]
    assert call(receiver.url, "POST", "/control", {"alwaysStatus": None})[0] == 200
    recovered_at = time.monotonic()
    wait_until(lambda: service.stats()["sent"] == 1000, 60, "every message to be sent")
    sent_within = time.monotonic() - recovered_at

    stats = service.stats()
    assert (stats["sent"], stats["failed"], stats["pending"], stats["sending"]) == (1000, 0, 0, 0)
    print(f"requests during the outage: {during_outage}; all sent {sent_within:.1f}s after it")
    assert during_outage <= 200, during_outage
    assert sent_within <= 60
    received = receiver.stats()
    assert (received["accepted"], received["acceptedDuplicates"]) == (1000, 0)
    assert service.scheduler_status()["receiver"]["state"] == "closed"
    assert service.health()[1]["components"]["webhook"] == {"status": "up"}


class RateLimitedRun(NamedTuple):
    services: list[Service]
    arrivals: list[float]
    received: dict[str, Any]


def send_rate_limited(
    launch: Launcher, database: dict[str, str], *, messages: int, processes: int, limit: int
) -> RateLimitedRun:
    """`processes` services on `database` (and no Redis) send `messages` under `limit`."""
    receiver = launch.receiver()
    receiver.ready()
    launch.seed(database, messages)
    services = launch.services(
        {
            **database,
            "AUTO_START_SCHEDULER": "true",
            "MESSAGE_SEND_INTERVAL_SECONDS": "0.05",
            "MESSAGE_BATCH_SIZE": "500",
            "WEBHOOK_RATE_LIMIT": str(limit),
            "WEBHOOK_URL": receiver.webhook_url,
        },
        count=processes,
    )
    expected = messages / limit + 20
    wait_until(lambda: services[0].stats()["sent"] == messages, expected, "every message sent")
    arrivals = list(call(receiver.url, "GET", "/arrivals")[1])
    return RateLimitedRun(services, arrivals, receiver.stats())


def test_three_processes_share_a_rate_limit_of_100_a_second_measured_at_the_receiver(
    launch: Launcher, sql_database: SqlDatabase
) -> None:
    # No Redis: the limit lives in SQL.
    database_only = {"DATABASE_URL": database_url(sql_database)}
    run = send_rate_limited(launch, database_only, messages=1500, processes=3, limit=100)

    assert (run.received["accepted"], run.received["duplicates"]) == (1500, 0)
    busiest = busiest_second(run.arrivals)
    print(f"busiest 1-second window at the receiver: {busiest} (limit 100)")
    assert busiest <= 105
    assert max(run.arrivals) - min(run.arrivals) >= 14  # 1,500 at 100 a second
    shares = [service.scheduler_status()["messagesSent"] for service in run.services]
    assert all(shares), f"every process took part: {shares}"


def test_processes_on_one_sqlite_file_share_its_rate_limit(launch: Launcher, tmp_path: Path):
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}"}
    run = send_rate_limited(launch, database, messages=300, processes=2, limit=50)

    assert (run.received["accepted"], run.received["duplicates"]) == (300, 0)
    assert busiest_second(run.arrivals) <= 52
