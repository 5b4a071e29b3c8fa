"""The container's services, handed to handlers through Litestar's own dependency injection.
Async providers need no thread; the sync ones say so with `sync_to_thread=False`."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from entrypoints.container import Container, resolve
from entrypoints.settings import Settings
from insider_core import Clock, MessageRepository, MessageService, Scheduler, SentCache

# Handler parameters name the dependency they receive. Ports are Protocols, which Litestar
# cannot check with isinstance, so their values are not validated.
Messages = NamedDependency[MessageService]
SchedulerLoop = NamedDependency[Scheduler]
Repository = NamedDependency[SkipValidation[MessageRepository]]
Cache = NamedDependency[SkipValidation[SentCache]]
AnyClock = NamedDependency[SkipValidation[Clock]]
CurrentSettings = NamedDependency[Settings]


def provide_from(container: Container) -> dict[str, Provide]:
    async def messages() -> MessageService:
        service: MessageService = await resolve(container.message_service)
        return service

    async def scheduler() -> Scheduler:
        loop: Scheduler = await resolve(container.scheduler)
        return loop

    async def repository() -> MessageRepository:
        store: MessageRepository = await resolve(container.repository)
        return store

    async def cache() -> SentCache:
        sent_cache: SentCache = await resolve(container.cache)
        return sent_cache

    def clock() -> Clock:
        now: Clock = container.clock()
        return now

    def settings() -> Settings:
        value: Settings = container.settings()
        return value

    return {
        "messages": Provide(messages),
        "scheduler": Provide(scheduler),
        "repository": Provide(repository),
        "cache": Provide(cache),
        "settings": Provide(settings, sync_to_thread=False),
        "clock": Provide(clock, sync_to_thread=False),
    }
