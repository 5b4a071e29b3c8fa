"""The container's services, handed to handlers through Litestar's own dependency injection.
They are resolved once, when the app starts (see lifespan.py), and kept in the app's state:
a provider over an async resource hands back an awaitable on every call, which a request
need not pay for."""

from __future__ import annotations

from typing import NamedTuple

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from entrypoints.container import Container, resolve
from entrypoints.settings import Settings
from entrypoints.web.listing import MessageListing
from insider_core import Clock, MessageRepository, MessageService, Scheduler, SentCache

# Handler parameters name the dependency they receive. Ports are Protocols, which Litestar
# cannot check with isinstance, so their values are not validated.
Messages = NamedDependency[MessageService]
Listing = NamedDependency[MessageListing]
SchedulerLoop = NamedDependency[Scheduler]
Repository = NamedDependency[SkipValidation[MessageRepository]]
Cache = NamedDependency[SkipValidation[SentCache]]
AnyClock = NamedDependency[SkipValidation[Clock]]
CurrentSettings = NamedDependency[Settings]


class Services(NamedTuple):
    messages: MessageService
    listing: MessageListing
    scheduler: Scheduler
    repository: MessageRepository
    cache: SentCache
    clock: Clock
    settings: Settings

    @classmethod
    async def resolve(cls, container: Container) -> Services:
        """The services of an opened container."""
        repository: MessageRepository = await resolve(container.repository)
        return cls(
            messages=await resolve(container.message_service),
            listing=MessageListing(repository),
            scheduler=await resolve(container.scheduler),
            repository=repository,
            cache=await resolve(container.cache),
            clock=container.clock(),
            settings=container.settings(),
        )


def services_of(state: State) -> Services:
    services: Services = state.services
    return services


def messages(state: State) -> MessageService:
    return services_of(state).messages


def listing(state: State) -> MessageListing:
    return services_of(state).listing


def scheduler(state: State) -> Scheduler:
    return services_of(state).scheduler


def repository(state: State) -> MessageRepository:
    return services_of(state).repository


def cache(state: State) -> SentCache:
    return services_of(state).cache


def clock(state: State) -> Clock:
    return services_of(state).clock


def settings(state: State) -> Settings:
    return services_of(state).settings


PROVIDERS = {
    "messages": messages,
    "listing": listing,
    "scheduler": scheduler,
    "repository": repository,
    "cache": cache,
    "clock": clock,
    "settings": settings,
}


def provide_services() -> dict[str, Provide]:
    return {name: Provide(get, sync_to_thread=False) for name, get in PROVIDERS.items()}
