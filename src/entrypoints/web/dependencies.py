"""The container's services, handed to handlers through Litestar's own dependency injection.
They are resolved once, when the app starts (see lifespan.py), and kept in the app's state:
a provider over an async resource hands back an awaitable on every call, which a request
need not pay for."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from entrypoints.container import Container, resolve
from entrypoints.metrics import DispatchMetrics
from entrypoints.settings import Settings
from insider_core import (
    Clock,
    InstanceAgent,
    MessageRepository,
    MessageService,
    Scheduler,
    SentCache,
    ServiceControl,
    SharedRecords,
)

# Handler parameters name the dependency they receive. Ports are Protocols, which Litestar
# cannot check with isinstance, so their values are not validated.
Messages = NamedDependency[MessageService]
SchedulerLoop = NamedDependency[Scheduler]
Service = NamedDependency[ServiceControl]
Repository = NamedDependency[SkipValidation[MessageRepository]]
Cache = NamedDependency[SkipValidation[SentCache]]
AnyClock = NamedDependency[SkipValidation[Clock]]
CurrentSettings = NamedDependency[Settings]
Metrics = NamedDependency[DispatchMetrics]


class Services(NamedTuple):
    messages: MessageService
    scheduler: Scheduler
    service: ServiceControl
    agent: InstanceAgent
    repository: MessageRepository
    records: SharedRecords
    cache: SentCache
    clock: Clock
    settings: Settings
    metrics: DispatchMetrics

    @classmethod
    async def resolve(cls, container: Container) -> Services:
        """The services of an opened container."""
        repository: MessageRepository = await resolve(container.repository)
        return cls(
            messages=await resolve(container.message_service),
            scheduler=await resolve(container.scheduler),
            service=await resolve(container.service),
            agent=await resolve(container.agent),
            repository=repository,
            records=await resolve(container.repository),
            cache=await resolve(container.cache),
            clock=container.clock(),
            settings=container.settings(),
            metrics=container.metrics(),
        )


def services_of(state: State) -> Services:
    services: Services = state.services
    return services


def _provider(name: str) -> Callable[[State], object]:
    def provide(state: State) -> object:
        return getattr(services_of(state), name)

    provide.__name__ = name
    return provide


def provide_services() -> dict[str, Provide]:
    """One dependency per service, named as in Services."""
    return {name: Provide(_provider(name), sync_to_thread=False) for name in Services._fields}
