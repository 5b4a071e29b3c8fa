"""Open the container's resources with the app, start the scheduler, and on shutdown let the
batch in flight be recorded before anything is closed."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from litestar import Litestar

from entrypoints.container import Container, close_container, open_container
from entrypoints.scheduler_relay import OrderFollower
from entrypoints.seeding import seed_if_empty
from entrypoints.settings import Settings
from entrypoints.web.dependencies import Services
from entrypoints.web.metrics import dispatch_metrics_shown
from insider_core import Scheduler

log = logging.getLogger(__name__)
SEED_DATA_COUNT = 5


def lifespan_of(container: Container) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        scheduler: Scheduler | None = None
        follower: OrderFollower | None = None
        try:
            await open_container(container)
            app.state.services = services = await Services.resolve(container)
            warn_of_unset_api_keys(services.settings)
            if services.settings.seed_data:
                await seed_sample_messages(services)
            scheduler = services.scheduler
            if services.settings.auto_start_scheduler:
                start(scheduler)
            follower = OrderFollower.install(scheduler)
            with dispatch_metrics_shown(services.metrics):
                yield
        finally:
            if follower is not None:
                follower.uninstall()
            if scheduler is not None and await scheduler.stop():
                log.info("scheduler stopped; the batches in flight were recorded")
            await close_container(container)

    return lifespan


def warn_of_unset_api_keys(settings: Settings) -> None:
    """An endpoint group without its key answers every call with 500 (SPEC §6): say so once,
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


def start(scheduler: Scheduler) -> None:
    if scheduler.cannot_start is not None:
        log.warning("scheduler not started: %s", scheduler.cannot_start)
        return
    scheduler.start()
    log.info(
        "scheduler started",
        extra={
            "interval_seconds": scheduler.config.interval_seconds,
            "batch_size": scheduler.config.batch_size,
        },
    )
