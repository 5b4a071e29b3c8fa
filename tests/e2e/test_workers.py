"""`insider serve --workers 2`: two processes on one port, each with its own scheduler, send
every message once, add up their metrics, and stop together on one SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import time
import urllib.request

import pytest

from contract.mysql_databases import ScratchDatabase
from e2e.conftest import count_by_status
from e2e.launcher import Launcher
from e2e.processes import Receiver, Service, wait_until

COUNT = 2000
SENT_METRIC = re.compile(r"^messages_sent_total (\S+)$", re.MULTILINE)


def sent_in_metrics(service: Service) -> float:
    with urllib.request.urlopen(service.url + "/metrics", timeout=10) as response:
        text = response.read().decode()
    [value] = SENT_METRIC.findall(text)
    return float(value)


def two_sending_workers(launch: Launcher, env: dict[str, str], receiver: Receiver) -> Service:
    """`insider serve --workers 2`, each worker's scheduler started, a batch every 0.2 s."""
    return launch.service(
        {
            **env,
            "AUTO_START_SCHEDULER": "true",
            "MESSAGE_SEND_INTERVAL_SECONDS": "0.2",
            "WEBHOOK_URL": receiver.webhook_url,
        },
        "--workers",
        "2",
    )


def test_two_workers_on_one_port_send_each_message_exactly_once_and_report_one_total(
    launch: Launcher, stores: dict[str, str]
) -> None:
    receiver = launch.receiver()
    service = two_sending_workers(launch, {**stores, "MESSAGE_BATCH_SIZE": "50"}, receiver)

    launch.seed(stores, COUNT)
    wait_until(lambda: service.stats()["sent"] == COUNT, 60, "every message to be sent")

    received = receiver.stats()
    assert (received["requests"], received["unique"], received["duplicates"]) == (COUNT, COUNT, 0)
    assert service.output().count('"scheduler started"') == 2, "each worker runs a scheduler"
    # Each scrape may reach either worker; every one must report both workers' sends.
    assert [sent_in_metrics(service) for _ in range(6)] == [COUNT] * 6
    assert service.stop() == 0, service.output()


def test_a_stop_or_start_asked_of_one_worker_reaches_every_worker(
    launch: Launcher, stores: dict[str, str]
) -> None:
    receiver = launch.receiver()
    service = two_sending_workers(launch, stores, receiver)

    def workers(running: bool) -> set[int]:
        return {
            entry["pid"]
            for entry in service.scheduler_status()["instances"]
            if entry["running"] is running
        }

    wait_until(lambda: len(workers(True)) == 2, 10, "both workers to beat")
    status, body = service.scheduler("POST", "/stop")
    assert status == 200, body
    # The stop is answered once every worker has stopped: none is left running.
    assert len(workers(False)) == 2
    launch.seed(stores, 60)
    time.sleep(2)  # ten intervals: a worker still running would have sent some

    assert receiver.stats()["requests"] == 0
    assert service.stats()["pending"] == 60
    assert all(not service.scheduler_status()["running"] for _ in range(6))

    status, body = service.scheduler("POST", "/start", {"batchSize": 5, "intervalSeconds": 0.2})
    assert status == 200, body
    wait_until(lambda: service.stats()["sent"] == 60, 30, "every message to be sent")
    wait_until(lambda: len(workers(True)) == 2, 5, "both workers to run")
    assert all(service.scheduler_status()["batchSize"] == 5 for _ in range(6))
    received = receiver.stats()
    assert (received["unique"], received["duplicates"]) == (60, 0)
    assert service.stop() == 0, service.output()


def test_one_sigterm_stops_every_worker_gracefully_with_nothing_left_sending(
    launch: Launcher, stores: dict[str, str], mysql_database: ScratchDatabase
) -> None:
    launch.seed(stores, 40)
    receiver = launch.receiver("--latency", "1.5")
    service = launch.service(
        {
            **stores,
            "AUTO_START_SCHEDULER": "true",
            "MESSAGE_SEND_INTERVAL_SECONDS": "0.1",
            "MESSAGE_BATCH_SIZE": "5",
            "WEBHOOK_TIMEOUT_SECONDS": "5",
            "WEBHOOK_URL": receiver.webhook_url,
        },
        "--workers",
        "2",
    )
    wait_until(lambda: receiver.stats()["requests"] >= 10, 15, "batches in flight")

    service.signal(signal.SIGTERM)

    assert service.wait(20) == 0, service.output()
    statuses = count_by_status(mysql_database)
    assert "sending" not in statuses, statuses
    assert statuses.get("sent", 0) == receiver.stats()["accepted"] >= 10
    assert service.output().count("the batches in flight were recorded") == 2
    with socket.socket() as probe:  # no worker outlived the supervisor, listening on the port
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT, not LISTEN
        probe.bind(("127.0.0.1", service.port))


def test_a_worker_that_dies_stops_the_others_and_the_service_fails_for_its_supervisor(
    launch: Launcher, stores: dict[str, str]
) -> None:
    service = launch.service(stores, "--workers", "2")
    [started] = [
        json.loads(line) for line in service.output().splitlines() if "serving with" in line
    ]
    dead, survivor = started["pids"]

    os.kill(dead, signal.SIGKILL)

    assert service.wait(30) == 128 + signal.SIGKILL, service.output()
    assert f"worker {dead} exited with -9; stopping the others" in service.output()
    with pytest.raises(ProcessLookupError):
        os.kill(survivor, 0)
