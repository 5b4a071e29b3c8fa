"""GET /health: is the store reachable, and the cache?"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Literal

import msgspec
from litestar import Controller, Response, get

from entrypoints.web.dependencies import (
    AnyClock,
    Cache,
    CurrentSettings,
    Repository,
    SchedulerLoop,
)
from entrypoints.web.dto import Timestamp
from entrypoints.web.envelopes import also
from insider_core import utc_timestamp

log = logging.getLogger(__name__)
PING_TIMEOUT_SECONDS = 3.0


ComponentStatus = Literal["up", "down", "disabled"]
OverallStatus = Literal["ok", "degraded", "down"]


class ComponentHealth(msgspec.Struct, frozen=True):
    status: ComponentStatus


class Components(msgspec.Struct, frozen=True):
    database: ComponentHealth
    redis: ComponentHealth
    webhook: ComponentHealth


class HealthBody(msgspec.Struct, frozen=True):
    status: OverallStatus
    timestamp: Timestamp
    components: Components


async def answers(ping: Awaitable[bool], name: str) -> bool:
    try:
        return await asyncio.wait_for(ping, PING_TIMEOUT_SECONDS)
    except Exception as error:
        log.warning("%s health check failed: %r", name, error)
        return False


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get(
        "",
        summary="Health of the service and its backing stores",
        description="200 when the database answers (`degraded` if the cache does not, or "
        "while the circuit breaker holds sending because the webhook receiver looks down: "
        "`components.webhook` is then `down`); 503 with status `down` when the database "
        "does not.",
        responses=also(503, HealthBody, "The database is down"),
    )
    async def get_health(
        self,
        repository: Repository,
        cache: Cache,
        settings: CurrentSettings,
        clock: AnyClock,
        scheduler: SchedulerLoop,
    ) -> Response[HealthBody]:
        database_up = await answers(repository.ping(), "database")
        cache_up = await answers(cache.ping(), "cache")
        redis: ComponentStatus = "up" if settings.redis_connection_url else "disabled"
        if not cache_up:
            redis = "down"
        webhook_up = scheduler.receiver_status().up
        overall: OverallStatus = "ok" if cache_up and webhook_up else "degraded"
        if not database_up:
            overall = "down"
        body = HealthBody(
            status=overall,
            timestamp=utc_timestamp(clock.now()),
            components=Components(
                database=ComponentHealth("up" if database_up else "down"),
                redis=ComponentHealth(redis),
                webhook=ComponentHealth("up" if webhook_up else "down"),
            ),
        )
        return Response(body, status_code=503 if overall == "down" else 200)
