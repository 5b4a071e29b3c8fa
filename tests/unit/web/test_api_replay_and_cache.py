"""SPEC section 6: the sent cache, the dead-letter replay routes and delivery attempts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from dependency_injector import providers
from litestar.testing import AsyncTestClient

from adapters.memory import InMemoryMessageRepository, InMemorySentCache, ScriptedSender
from adapters.memory.sender import respond
from conftest import MESSAGES_AUTH, Client
from entrypoints.container import Container
from entrypoints.web.app import create_app
from insider_core import MessageStats, StoreUnavailable

Create = Callable[..., Awaitable[dict[str, Any]]]
RunBatch = Callable[[], Awaitable[list[Any]]]


async def dead_letter(create_message: Create, run_batch: RunBatch, sender: ScriptedSender) -> int:
    """Create a message that the webhook refuses for good; returns its id."""
    created = await create_message()
    sender.script = respond(400)
    await run_batch()
    return int(created["id"])


async def test_cached_lists_sent_messages_by_id_with_message_id_and_sent_at(
    client: Client, create_message: Create, run_batch: RunBatch
) -> None:
    created = await create_message()
    [sent] = await run_batch()

    response = await client.get("/api/v1/messages/cached", headers=MESSAGES_AUTH)

    assert response.status_code == 200
    message = (await client.get(f"/api/v1/messages/{created['id']}", headers=MESSAGES_AUTH)).json()
    assert response.json() == {
        "success": True,
        "data": {
            str(created["id"]): {"messageId": sent.message_id, "sentAt": message["data"]["sentAt"]}
        },
    }


async def test_cached_answers_503_when_the_cache_is_down(
    client: Client, cache: InMemorySentCache
) -> None:
    cache.available = False

    response = await client.get("/api/v1/messages/cached", headers=MESSAGES_AUTH)

    assert response.status_code == 503
    assert response.json() == {"success": False, "error": "Cache unavailable"}


@pytest.mark.parametrize("path", ["/api/v1/messages/replay/all", "/api/v1/messages/replay"])
async def test_replaying_all_puts_every_failed_message_back_to_pending(
    client: Client,
    create_message: Create,
    run_batch: RunBatch,
    sender: ScriptedSender,
    repository: InMemoryMessageRepository,
    path: str,
) -> None:
    await create_message()
    await create_message()
    sender.script = respond(400)
    await run_batch()

    response = await client.post(path, headers=MESSAGES_AUTH)

    assert response.status_code == 200
    assert response.json()["success"] is True
    assert response.json()["data"] == {"replayed": 2}
    assert await repository.stats() == MessageStats(pending=2)


async def test_replaying_all_with_nothing_failed_replays_zero(client: Client) -> None:
    response = await client.post("/api/v1/messages/replay/all", headers=MESSAGES_AUTH)

    assert response.status_code == 200
    assert response.json()["data"] == {"replayed": 0}


async def test_replaying_one_failed_message_resets_it_to_pending(
    client: Client, create_message: Create, run_batch: RunBatch, sender: ScriptedSender
) -> None:
    message_id = await dead_letter(create_message, run_batch, sender)

    response = await client.post(f"/api/v1/messages/{message_id}/replay", headers=MESSAGES_AUTH)

    assert response.status_code == 200
    assert response.json()["data"] == {"replayed": 1}
    replayed = (await client.get(f"/api/v1/messages/{message_id}", headers=MESSAGES_AUTH)).json()
    assert replayed["data"]["status"] == "pending"
    assert replayed["data"]["attempts"] == 0
    assert replayed["data"]["lastError"] is None


async def test_replaying_an_unknown_message_answers_404_saying_not_found(client: Client) -> None:
    response = await client.post("/api/v1/messages/77/replay", headers=MESSAGES_AUTH)

    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "Message 77 not found"}


async def test_replaying_a_message_that_is_not_failed_answers_404_saying_so(
    client: Client, create_message: Create
) -> None:
    created = await create_message()

    response = await client.post(f"/api/v1/messages/{created['id']}/replay", headers=MESSAGES_AUTH)

    assert response.status_code == 404
    assert response.json() == {
        "success": False,
        "error": f"Message {created['id']} is pending, only failed messages can be replayed",
    }


async def test_attempts_list_each_try_in_camel_case(
    client: Client, create_message: Create, run_batch: RunBatch, sender: ScriptedSender
) -> None:
    message_id = await dead_letter(create_message, run_batch, sender)

    response = await client.get(f"/api/v1/messages/{message_id}/attempts", headers=MESSAGES_AUTH)

    assert response.status_code == 200
    [attempt] = response.json()["data"]
    assert attempt["attemptNumber"] == 1
    assert attempt["httpStatus"] == 400
    assert attempt["errorKind"] == "http_status"
    assert set(attempt) == {
        "attemptNumber",
        "startedAt",
        "durationMs",
        "httpStatus",
        "errorKind",
        "detail",
    }


async def test_attempts_of_an_unknown_message_answer_404(client: Client) -> None:
    response = await client.get("/api/v1/messages/5/attempts", headers=MESSAGES_AUTH)

    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "Message 5 not found"}


class UnreachableStore(InMemoryMessageRepository):
    async def stats(self) -> MessageStats:
        raise StoreUnavailable("connection refused")


async def test_a_store_outage_answers_503_not_500(make_container: Callable[..., Container]) -> None:
    broken = make_container()
    broken.repository.override(providers.Object(UnreachableStore()))

    async with AsyncTestClient(create_app(broken)) as client:
        response = await client.get("/api/v1/messages/stats", headers=MESSAGES_AUTH)

    assert response.status_code == 503
    assert response.json() == {"success": False, "error": "Database unavailable"}
