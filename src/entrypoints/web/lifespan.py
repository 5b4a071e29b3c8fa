"""Open the container's resources with the app, join the service (its scheduler runs as the
operator last decided, or on AUTO_START_SCHEDULER before any decision), and on shutdown let
the batch in flight be recorded before anything is closed."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from litestar import Litestar

from entrypoints.container import Container, close_container, open_container
from entrypoints.seeding import seed_if_empty
from entrypoints.settings import Settings
from entrypoints.web.dependencies import Services
from entrypoints.web.metrics import dispatch_metrics_shown
from insider_core import InstanceAgent, Scheduler, ServiceControl

log = logging.getLogger(__name__)
SEED_DATA_COUNT = 5


def lifespan_of(container: Container) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        scheduler: Scheduler | None = None
        agent: InstanceAgent | None = None
        try:
            await open_container(container)
            app.state.services = services = await Services.resolve(container)
            warn_of_unset_api_keys(services.settings)
            if services.settings.seed_data:
                await seed_sample_messages(services)
            scheduler = services.scheduler
            await join(services.service, services.settings.auto_start_scheduler)
            agent = services.agent
            agent.start()
            with dispatch_metrics_shown(services.metrics):
                yield
        finally:
            if agent is not None:
                await agent.stop()
            if scheduler is not None and await scheduler.stop():
                log.info("scheduler stopped; the batches in flight were recorded")
            await close_container(container)

    return lifespan


def warn_of_unset_api_keys(settings: Settings) -> None:
    """An endpoint group without its key answers every call with 500: say so once,
    at start-up, rather than leave the operator to find out from the clients."""
    for variable, key, group in (
        ("MESSAGES_API_KEY", settings.messages_api_key, "/api/v1/messages"),
        ("SCHEDULER_API_KEY", settings.scheduler_api_key, "/api/v1/scheduler"),
    ):
        if key is None:
            log.warning("%s is not set: every call to %s answers 500 until it is", variable, group)


async def seed_sample_messages(services: Services) -> None:
    if seeded := await seed_if_empty(services.repository, services.messages, SEED_DATA_COUNT):
        log.info("seeded %d sample messages (SEED_DATA=true)", seeded)


async def join(service: ServiceControl, auto_start: bool) -> None:
    scheduler = service.scheduler
    decision = await service.join(auto_start)
    if decision is not None and not decision.running and auto_start:
        log.info("scheduler not started: an operator stopped the service")
    if not scheduler.running:
        wanted = auto_start if decision is None else decision.running
        if wanted and scheduler.cannot_start is not None:
            log.warning("scheduler not started: %s", scheduler.cannot_start)
        return
    log.info(
        "scheduler started",
        extra={
            "interval_seconds": scheduler.config.interval_seconds,
            "batch_size": scheduler.config.batch_size,
        },
    )
