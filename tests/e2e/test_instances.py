"""Several `insider serve` processes on one store are one service: a start or stop asked of
one holds for all, a new instance joins the operator's decision, the status from any of them
lists every live instance, and a receiver outage is held and probed for all of them together.
On MariaDB, on PostgreSQL and on one SQLite file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import database_url
from e2e.launcher import Launcher
from e2e.processes import Service, call, wait_until

OUTAGE_SECONDS = 20
SENDING = {"MESSAGE_SEND_INTERVAL_SECONDS": "0.2", "MESSAGE_BATCH_SIZE": "5"}


@pytest.fixture(
    params=["mariadb", pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The DATABASE_URL every process of the test shares (no Redis: the store alone)."""
    if request.param == "mariadb":
        stores: dict[str, str] = request.getfixturevalue("stores")
        return {"DATABASE_URL": stores["DATABASE_URL"]}
    if request.param == "postgresql":
        return {"DATABASE_URL": database_url(request.getfixturevalue("postgres_database"))}
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}"}


def instances(service: Service) -> dict[int, dict[str, Any]]:
    """The live instances the service lists, by process id."""
    return {entry["pid"]: entry for entry in service.scheduler_status()["instances"]}


def seconds_until(predicate: Any, timeout: float, what: str) -> float:
    started = time.monotonic()
    wait_until(predicate, timeout, what, interval=0.02)
    return time.monotonic() - started


def test_a_start_and_a_stop_asked_of_one_instance_hold_for_both_and_either_lists_both(
    launch: Launcher, store: dict[str, str]
) -> None:
    receiver = launch.receiver("--latency", "0.2")
    launch.seed(store, 2000)
    a, b = launch.services({**store, **SENDING, "WEBHOOK_URL": receiver.webhook_url}, 2)
    pids = {a.popen.pid, b.popen.pid}
    assert instances(a).keys() == instances(b).keys() == pids
    assert not a.scheduler_status()["running"]
    assert not b.scheduler_status()["running"]

    status, body = a.scheduler("POST", "/start", {"intervalSeconds": 0.2, "batchSize": 4})
    assert (status, body["message"]) == (200, "Scheduler started successfully")
    started = seconds_until(
        lambda: instances(a)[b.popen.pid]["running"], 5, "the other instance to start"
    )
    wait_until(lambda: all(i["messagesSent"] for i in instances(b).values()), 10, "both to send")
    seen_by_b = b.scheduler_status()
    assert (seen_by_b["running"], seen_by_b["batchSize"], seen_by_b["intervalSeconds"]) == (
        True,
        4,
        0.2,
    )
    assert b.scheduler("POST", "/start", {"batchSize": 5})[0] == 409
    assert b.scheduler("POST", "/start")[1]["message"] == "Scheduler is already running"

    asked = time.monotonic()
    status, body = b.scheduler("POST", "/stop")
    answered = time.monotonic() - asked
    assert (status, body["message"]) == (200, "Scheduler stopped successfully")
    requests_at_stop = receiver.stats()["requests"]
    time.sleep(1.5)  # seven intervals: an instance still claiming would have sent some

    assert receiver.stats()["requests"] == requests_at_stop
    seen_by_a = a.scheduler_status()
    assert not seen_by_a["running"]
    assert not any(i["running"] for i in seen_by_a["instances"])
    assert seen_by_a["messagesSent"] == sum(i["messagesSent"] for i in seen_by_a["instances"])
    assert a.stats()["sending"] == 0
    print(f"start reached the other instance in {started:.2f}s; stop answered in {answered:.2f}s")
    assert started <= 2.0


def test_a_new_instance_joins_an_operator_stop_and_a_killed_one_drops_off(
    launch: Launcher, store: dict[str, str]
) -> None:
    receiver = launch.receiver()
    env = {**store, **SENDING, "AUTO_START_SCHEDULER": "true", "WEBHOOK_URL": receiver.webhook_url}
    first = launch.service(env)
    assert first.scheduler_status()["running"]  # a fresh store: AUTO_START_SCHEDULER holds
    assert first.scheduler("POST", "/stop")[0] == 200

    joined = launch.service(env)
    launch.seed(store, 10)
    time.sleep(1.5)

    assert receiver.stats()["requests"] == 0
    assert not joined.scheduler_status()["running"]
    assert instances(first).keys() == {first.popen.pid, joined.popen.pid}
    assert "an operator stopped the service" in joined.output()

    joined.kill()
    gone = seconds_until(
        lambda: instances(first).keys() == {first.popen.pid}, 15, "the killed instance to go"
    )
    print(f"a killed instance dropped off the list after {gone:.1f}s")


def test_three_instances_hold_a_20_second_receiver_outage_together(
    launch: Launcher, store: dict[str, str]
) -> None:
    receiver = launch.receiver()
    receiver.ready()
    assert call(receiver.url, "POST", "/control", {"alwaysStatus": 503})[0] == 200
    launch.seed(store, 1000)
    services = launch.services(
        {
            **store,
            "AUTO_START_SCHEDULER": "true",
            "MESSAGE_SEND_INTERVAL_SECONDS": "0.1",
            "MESSAGE_BATCH_SIZE": "100",
            "RETRY_BASE_SECONDS": "1",
            "RETRY_MAX_SECONDS": "4",
            "MAX_ATTEMPTS": "3",
            # Probes at most 4 s apart: the messages go within seconds of the recovery.
            "BREAKER_MAX_PROBE_DELAY_SECONDS": "4",
            "WEBHOOK_URL": receiver.webhook_url,
        },
        3,
    )
    wait_until(lambda: receiver.stats()["requests"] > 0, 20, "the first send")
    wait_until(
        lambda: all(i["receiver"] != "closed" for i in instances(services[0]).values()),
        5,
        "every instance to hold",
    )

    time.sleep(OUTAGE_SECONDS)
    during_outage = receiver.stats()["requests"]
    assert call(receiver.url, "POST", "/control", {"alwaysStatus": None})[0] == 200
    recovered_at = time.monotonic()
    wait_until(lambda: services[0].stats()["sent"] == 1000, 60, "every message to be sent")
    sent_within = time.monotonic() - recovered_at

    stats = services[0].stats()
    assert (stats["sent"], stats["failed"], stats["pending"], stats["sending"]) == (1000, 0, 0, 0)
    print(f"three instances: {during_outage} requests in the outage; sent {sent_within:.1f}s after")
    assert during_outage <= 40
    received = receiver.stats()
    assert (received["accepted"], received["acceptedDuplicates"]) == (1000, 0)
    # The others' counts are as of their last beat.
    wait_until(lambda: services[0].scheduler_status()["messagesSent"] == 1000, 5, "the beats")
    assert len(services[0].scheduler_status()["instances"]) == 3
