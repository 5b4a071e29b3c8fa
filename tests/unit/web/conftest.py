"""The API over the memory adapters: a container whose providers are overridden with fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import pytest
from dependency_injector import providers
from litestar.testing import AsyncTestClient

from adapters.memory import (
    InMemoryMessageRepository,
    InMemorySentCache,
    ManualClock,
    ScriptedSender,
)
from entrypoints.container import Container, resolve
from entrypoints.settings import Settings, load_settings
from entrypoints.web.app import create_app
from insider_core import Message, Scheduler

MESSAGES_KEY = "test-messages-key"
SCHEDULER_KEY = "test-scheduler-key"
MESSAGES_AUTH = {"x-ins-auth-key": MESSAGES_KEY}
SCHEDULER_AUTH = {"x-ins-auth-key": SCHEDULER_KEY}
BASE_ENV = {
    "DATABASE_URL": "memory://",
    "WEBHOOK_URL": "http://webhook.test/hook",
    "MESSAGES_API_KEY": MESSAGES_KEY,
    "SCHEDULER_API_KEY": SCHEDULER_KEY,
    "AUTO_START_SCHEDULER": "false",
    "MESSAGE_MAX_CONTENT_LENGTH": "50",
}
Client = AsyncTestClient[Any]


def settings_with(**env: str) -> Settings:
    """The test settings; a variable given as "" is removed."""
    merged = {**BASE_ENV, **env}
    return load_settings({name: value for name, value in merged.items() if value})


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def repository() -> InMemoryMessageRepository:
    return InMemoryMessageRepository()


@pytest.fixture
def cache(clock: ManualClock) -> InMemorySentCache:
    return InMemorySentCache(clock)


@pytest.fixture
def sender() -> ScriptedSender:
    return ScriptedSender()


@pytest.fixture
def make_container(
    repository: InMemoryMessageRepository,
    cache: InMemorySentCache,
    sender: ScriptedSender,
    clock: ManualClock,
) -> Callable[..., Container]:
    def make(settings: Settings | None = None, *, real_sender: bool = False) -> Container:
        container = Container(settings=settings or settings_with())
        container.clock.override(providers.Object(clock))
        container.repository.override(providers.Object(repository))
        container.cache.override(providers.Object(cache))
        container.http_session.override(providers.Object(None))
        if not real_sender:
            container.webhook.override(providers.Object(sender))
        return container

    return make


@pytest.fixture
def container(make_container: Callable[..., Container]) -> Container:
    return make_container()


@pytest.fixture
async def client(container: Container) -> AsyncIterator[Client]:
    async with AsyncTestClient(create_app(container)) as test_client:
        yield test_client


@pytest.fixture
def open_client(
    make_container: Callable[..., Container],
) -> Callable[..., Any]:
    """A client over a container built with other settings: `async with open_client(s) as c`."""

    def open_with(settings: Settings, **options: Any) -> AsyncTestClient[Any]:
        return AsyncTestClient(create_app(make_container(settings, **options)))

    return open_with


@pytest.fixture
def create_message(client: Client) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def create(
        content: str = "Hello",
        phone: str = "+905551112233",
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        response = await client.post(
            "/api/v1/messages",
            json={"content": content, "phoneNumber": phone},
            headers={**MESSAGES_AUTH, **(headers or {})},
        )
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    return create


@pytest.fixture
def run_batch(container: Container) -> Callable[[], Awaitable[list[Message]]]:
    """Dispatch one batch through the app's own scheduler; returns the recorded messages."""

    async def run() -> list[Message]:
        scheduler: Scheduler = await resolve(container.scheduler)
        report = await scheduler.run_once()
        return [result.message for result in report.results]

    return run
