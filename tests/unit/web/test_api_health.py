"""GET /health: 200 ok or degraded, 503 down."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from dependency_injector import providers
from litestar.testing import AsyncTestClient

from adapters.memory import InMemoryMessageRepository, InMemorySentCache, ScriptedSender
from adapters.memory.sender import respond
from conftest import SCHEDULER_AUTH, Client, settings_with
from entrypoints.container import Container
from entrypoints.web.app import create_app


async def test_health_is_ok_with_redis_disabled_when_no_redis_is_configured(client: Client) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", body["timestamp"])
    assert body["components"] == {
        "database": {"status": "up"},
        "redis": {"status": "disabled"},
        "webhook": {"status": "up"},
    }


async def test_health_reports_redis_up_when_redis_is_configured_and_answers(
    make_container: Callable[..., Container],
) -> None:
    container = make_container(settings_with(REDIS_URL="redis://cache.test:6379/0"))

    async with AsyncTestClient(create_app(container)) as client:
        response = await client.get("/health")

    assert response.json()["components"]["redis"] == {"status": "up"}


async def test_health_is_degraded_with_200_when_the_cache_is_down(
    client: Client, cache: InMemorySentCache
) -> None:
    cache.available = False

    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["components"] == {
        "database": {"status": "up"},
        "redis": {"status": "down"},
        "webhook": {"status": "up"},
    }


async def test_health_is_down_with_503_when_the_database_is_down(
    client: Client, repository: InMemoryMessageRepository
) -> None:
    repository.available = False

    response = await client.get("/health")

    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["components"]["database"] == {"status": "down"}


class ExplodingRepository(InMemoryMessageRepository):
    async def ping(self) -> bool:
        raise ConnectionError("gone")


async def test_a_ping_that_raises_counts_as_down_not_as_a_crash(
    make_container: Callable[..., Container],
) -> None:
    container = make_container()
    container.repository.override(providers.Object(ExplodingRepository()))

    async with AsyncTestClient(create_app(container)) as client:
        response = await client.get("/health")

    assert response.status_code == 503
    assert response.json()["status"] == "down"


async def test_health_is_degraded_while_the_breaker_holds_sending_and_metrics_say_why(
    client: Client,
    sender: ScriptedSender,
    create_message: Callable[..., Awaitable[dict[str, Any]]],
    run_batch: Callable[[], Awaitable[list[Any]]],
) -> None:
    sender.script = respond(503)
    for _ in range(5):
        await create_message()
    for _ in range(3):
        await run_batch()

    health = await client.get("/health")
    status = await client.get("/api/v1/scheduler/status", headers=SCHEDULER_AUTH)
    metrics = (await client.get("/metrics")).text

    assert (health.status_code, health.json()["status"]) == (200, "degraded")
    assert health.json()["components"]["webhook"] == {"status": "down"}
    receiver = status.json()["data"]["receiver"]
    assert receiver["state"] == "open"
    # The process's first send goes alone: its failure opens the breaker.
    assert receiver["reason"] == "the first send failed: HTTP 503"
    assert "receiver_breaker_open 1.0" in metrics
