"""Scheduler routes, and the scheduler's life with the app."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from adapters.memory import InMemoryMessageRepository, ScriptedSender
from conftest import SCHEDULER_AUTH, Client, settings_with
from entrypoints.container import Container, resolve
from entrypoints.web.app import create_app
from insider_core import MessageStats, NewMessage, Scheduler, SendOutcome

STATUS_KEYS = {
    "running",
    "instances",
    "lastRunAt",
    "nextRunAt",
    "intervalSeconds",
    "batchSize",
    "failureRate",
    "runsCount",
    "messagesSent",
    "messagesFailed",
    "consecutiveAllFailCount",
    "lastAlertSentAt",
    "receiver",
}


async def start(client: Client, body: Any = None) -> Any:
    options: dict[str, Any] = {"headers": SCHEDULER_AUTH}
    if body is not None:
        options["json"] = body
    return await client.post("/api/v1/scheduler/start", **options)


async def test_status_of_a_stopped_scheduler_has_every_field_and_null_times(client: Client) -> None:
    response = await client.get("/api/v1/scheduler/status", headers=SCHEDULER_AUTH)

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert set(body["data"]) == STATUS_KEYS
    assert body["data"]["running"] is False
    assert body["data"]["lastRunAt"] is None
    assert body["data"]["nextRunAt"] is None
    assert body["data"]["lastAlertSentAt"] is None
    assert body["data"]["intervalSeconds"] == 120
    assert body["data"]["batchSize"] == 2


async def test_starting_answers_started_then_already_running(client: Client) -> None:
    first = await start(client)
    second = await start(client)

    assert first.status_code == second.status_code == 200
    assert first.json()["message"] == "Scheduler started successfully"
    assert second.json()["message"] == "Scheduler is already running"
    assert first.json()["data"]["running"] is True
    assert set(first.json()["data"]) == STATUS_KEYS


async def test_stopping_answers_stopped_then_already_stopped(client: Client) -> None:
    await start(client)

    first = await client.post("/api/v1/scheduler/stop", headers=SCHEDULER_AUTH)
    second = await client.post("/api/v1/scheduler/stop", headers=SCHEDULER_AUTH)

    assert first.status_code == second.status_code == 200
    assert first.json()["message"] == "Scheduler stopped successfully"
    assert second.json()["message"] == "Scheduler is already stopped"
    assert first.json()["data"]["running"] is False


async def test_the_status_shows_the_receiver_breaker_closed_at_first(client: Client) -> None:
    response = await client.get("/api/v1/scheduler/status", headers=SCHEDULER_AUTH)

    assert response.json()["data"]["receiver"] == {
        "state": "closed",
        "since": None,
        "reason": None,
        "pausedUntil": None,
        "nextProbeAt": None,
    }


async def test_a_body_sent_to_a_running_scheduler_is_refused_with_409(client: Client) -> None:
    await start(client)

    response = await start(client, {"batchSize": 7})

    assert response.status_code == 409
    assert response.json() == {
        "success": False,
        "error": "Scheduler is already running; stop it to change its settings",
    }
    status = await client.get("/api/v1/scheduler/status", headers=SCHEDULER_AUTH)
    assert status.json()["data"]["batchSize"] != 7


async def test_a_start_without_a_body_after_a_stop_forgets_the_last_overrides(
    client: Client,
) -> None:
    configured = (await client.get("/api/v1/scheduler/status", headers=SCHEDULER_AUTH)).json()
    await start(client, {"failureRate": 1, "batchSize": 7})
    await client.post("/api/v1/scheduler/stop", headers=SCHEDULER_AUTH)

    data = (await start(client)).json()["data"]

    assert (data["failureRate"], data["batchSize"]) == (
        configured["data"]["failureRate"],
        configured["data"]["batchSize"],
    )


async def test_start_options_override_interval_batch_size_and_failure_rate(client: Client) -> None:
    response = await start(client, {"intervalSeconds": 30, "batchSize": 7, "failureRate": 0.25})

    data = response.json()["data"]
    assert (data["intervalSeconds"], data["batchSize"], data["failureRate"]) == (30, 7, 0.25)


async def test_the_interval_may_be_given_in_minutes(client: Client) -> None:
    response = await start(client, {"interval": 0.5})

    assert response.json()["data"]["intervalSeconds"] == 30


async def test_interval_seconds_wins_over_minutes(client: Client) -> None:
    response = await start(client, {"interval": 5, "intervalSeconds": 9})

    assert response.json()["data"]["intervalSeconds"] == 9


async def test_an_empty_object_starts_with_the_configured_values(client: Client) -> None:
    response = await start(client, {})

    assert response.status_code == 200
    assert response.json()["data"]["intervalSeconds"] == 120


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"interval": 0}, "interval"),
        ({"interval": -1}, "interval"),
        ({"intervalSeconds": 0}, "intervalSeconds"),
        ({"intervalSeconds": 1e300}, "intervalSeconds"),
        ({"failureRate": 1.5}, "failureRate"),
        ({"failureRate": -0.1}, "failureRate"),
        ({"batchSize": 0}, "batchSize"),
        ({"batchSize": 1001}, "batchSize"),
        ({"batchSize": 2.5}, "batchSize"),
        ({"batchSize": "many"}, "batchSize"),
        ({"speed": 3}, "speed"),
    ],
)
async def test_invalid_start_options_are_refused_with_422_naming_the_field(
    client: Client, body: dict[str, Any], field: str
) -> None:
    response = await start(client, body)

    assert response.status_code == 422
    assert response.json()["success"] is False
    assert response.json()["error"] == "Validation failed"
    assert field in response.json()["details"]
    status = await client.get("/api/v1/scheduler/status", headers=SCHEDULER_AUTH)
    assert status.json()["data"]["running"] is False


async def test_a_start_body_that_is_not_json_is_refused_with_400(client: Client) -> None:
    response = await client.post(
        "/api/v1/scheduler/start",
        content=b"{interval: 1",
        headers={**SCHEDULER_AUTH, "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    body = response.json()
    assert (body["success"], body["error"]) == (False, "Invalid JSON body")
    assert body["details"]["body"]  # what the decoder found wrong


async def test_status_reports_the_runs_after_a_start(
    client: Client, repository: InMemoryMessageRepository, clock: Any
) -> None:
    await repository.add(
        NewMessage(
            content="x", phone_number="+905551112233", idempotency_key="k", created_at=clock.now()
        )
    )
    await start(client)
    await asyncio.sleep(0.05)

    data = (await client.get("/api/v1/scheduler/status", headers=SCHEDULER_AUTH)).json()["data"]

    assert data["runsCount"] == 1
    assert data["messagesSent"] == 1
    assert data["lastRunAt"] is not None
    assert data["nextRunAt"] is not None


async def test_the_scheduler_cannot_start_without_a_webhook_url(open_client: Any) -> None:
    async with open_client(settings_with(WEBHOOK_URL=""), real_sender=True) as client:
        response = await start(client)

    assert response.status_code == 409
    assert response.json()["success"] is False
    assert "WEBHOOK_URL" in response.json()["error"]


async def test_the_scheduler_starts_with_the_app_when_auto_start_is_on(
    make_container: Callable[..., Container],
) -> None:
    container = make_container(settings_with(AUTO_START_SCHEDULER="true"))

    async with AsyncTestClient(create_app(container)) as client:
        status = await client.get("/api/v1/scheduler/status", headers=SCHEDULER_AUTH)

    assert status.json()["data"]["running"] is True


async def test_shutdown_lets_the_batch_in_flight_be_recorded_before_closing(
    make_container: Callable[..., Container],
    repository: InMemoryMessageRepository,
    sender: ScriptedSender,
    clock: Any,
) -> None:
    for n in range(2):
        await repository.add(
            NewMessage(
                content="x",
                phone_number="+905551112233",
                idempotency_key=f"k{n}",
                created_at=clock.now(),
            )
        )
    sender.latency_seconds = 0.3
    container = make_container(settings_with(AUTO_START_SCHEDULER="true"))

    async with AsyncTestClient(create_app(container)):
        for _ in range(200):
            if sender.in_flight:
                break
            await asyncio.sleep(0.01)
        assert sender.in_flight, "the first batch never started"
        scheduler: Scheduler = await resolve(container.scheduler)

    assert not scheduler.running
    assert await repository.stats() == MessageStats(sent=2)


async def test_messages_failed_counts_messages_moved_to_the_dead_letter_queue_not_attempts(
    client: Client,
    sender: ScriptedSender,
    create_message: Callable[..., Any],
    run_batch: Callable[..., Any],
) -> None:
    await create_message("rejected for good")
    retried = await create_message("will be retried")
    sender.script = lambda message: SendOutcome.http(503 if message.id == retried["id"] else 400)

    await run_batch()
    response = await client.get("/api/v1/scheduler/status", headers=SCHEDULER_AUTH)

    assert response.json()["data"]["messagesFailed"] == 1
    assert response.json()["data"]["messagesSent"] == 0
