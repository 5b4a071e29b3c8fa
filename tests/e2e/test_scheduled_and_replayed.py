"""Scheduled sends and the replay after an outage, through real processes: the service on
MariaDB and on PostgreSQL (with the in-memory cache) and `insider receiver`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from e2e.conftest import SqlDatabase, database_url
from e2e.launcher import Launcher
from e2e.processes import Receiver, Service, wait_until

SENDING = {
    "AUTO_START_SCHEDULER": "true",
    "MESSAGE_SEND_INTERVAL_SECONDS": "0.1",
    "MESSAGE_BATCH_SIZE": "10",
    "WEBHOOK_TIMEOUT_SECONDS": "2",
}
ISTANBUL = timezone(timedelta(hours=3))


@pytest.fixture
def store(sql_database: SqlDatabase) -> dict[str, str]:
    return {"DATABASE_URL": database_url(sql_database)}


def start(launch: Launcher, store: dict[str, str], *options: str) -> tuple[Service, Receiver]:
    receiver = launch.receiver(*options)
    service = launch.service({**store, **SENDING, "WEBHOOK_URL": receiver.webhook_url})
    return service, receiver


def create(service: Service, content: str, **fields: str) -> dict[str, Any]:
    status, body = service.messages(
        "POST", "", {"content": content, "phoneNumber": "+905551234567", **fields}
    )
    assert status == 201, body
    return dict(body["data"])


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_message_created_with_send_at_is_sent_then_and_not_before(
    launch: Launcher, store: dict[str, str]
) -> None:
    service, receiver = start(launch, store)
    send_at = (datetime.now(UTC) + timedelta(seconds=3)).astimezone(ISTANBUL)

    at_once = create(service, "now")
    scheduled = [create(service, f"later {n}", sendAt=send_at.isoformat()) for n in range(2)]
    service.wait_for(at_once["id"], "sent")
    sent = [service.wait_for(m["id"], "sent", timeout=30) for m in scheduled]

    for created, delivered in zip(scheduled, sent, strict=True):
        assert instant(created["nextAttemptAt"]) == send_at
        assert instant(delivered["sentAt"]) >= send_at
        assert delivered["attempts"] == 1
    assert (receiver.stats()["unique"], receiver.stats()["duplicates"]) == (3, 0)


def test_after_an_outage_a_dry_run_counts_and_a_replay_since_sends_only_the_recent_failures(
    launch: Launcher, store: dict[str, str]
) -> None:
    service, refusing = start(launch, store, "--always-status", "400")
    before = [create(service, f"old {n}") for n in range(2)]
    old = [service.wait_for(m["id"], "failed") for m in before]
    since = max(instant(m["updatedAt"]) for m in old) + timedelta(microseconds=1)
    during = [create(service, f"outage {n}") for n in range(3)]
    for message in during:
        service.wait_for(message["id"], "failed")
    refusing.stop()
    healthy = launch.receiver(port=refusing.port)
    healthy.ready()
    query = {"since": since.isoformat()}

    status, counted = service.messages("POST", "/replay/all", {**query, "dryRun": True})
    assert (status, counted["data"]) == (200, {"dryRun": True, "wouldReplay": 3})
    assert service.stats()["failed"] == 5
    status, replayed = service.messages("POST", "/replay", query)
    assert (status, replayed["data"]) == (200, {"replayed": 3})
    wait_until(lambda: service.stats()["sent"] == 3, 20, "the replayed messages to be sent")

    assert service.stats()["failed"] == 2
    assert {service.message(m["id"])["status"] for m in before} == {"failed"}
    assert (healthy.stats()["unique"], healthy.stats()["duplicates"]) == (3, 0)
