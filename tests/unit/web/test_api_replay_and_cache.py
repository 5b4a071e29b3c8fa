"""The sent cache, the dead-letter replay routes and delivery attempts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
from adapters.memory.sender import respond
from conftest import MESSAGES_AUTH, Client
from entrypoints.container import Container
from entrypoints.web.app import create_app
from insider_core import CachedSend, MessageStats

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
            str(created["id"]): {"messageId": sent.receipt_id, "sentAt": message["data"]["sentAt"]}
        },
        "nextAfter": None,
    }


async def cache_sends(cache: InMemorySentCache, clock: ManualClock, ids: range) -> None:
    await cache.put_many([CachedSend(id=i, receipt_id=f"wh-{i}", sent_at=clock.now()) for i in ids])


async def test_cached_answers_100_entries_by_default_lowest_id_first_and_where_to_read_on(
    client: Client, cache: InMemorySentCache, clock: ManualClock
) -> None:
    await cache_sends(cache, clock, range(250, 0, -1))

    body = (await client.get("/api/v1/messages/cached", headers=MESSAGES_AUTH)).json()

    assert list(body["data"]) == [str(i) for i in range(1, 101)]
    assert body["data"]["7"]["messageId"] == "wh-7"
    assert body["nextAfter"] == 100


async def test_cached_is_read_to_the_end_by_following_next_after(
    client: Client, cache: InMemorySentCache, clock: ManualClock
) -> None:
    await cache_sends(cache, clock, range(1, 2501))
    pages, read, after = 0, [], 0

    while after is not None:
        query = f"?limit=1000&after={after}" if after else "?limit=1000"
        response = await client.get(f"/api/v1/messages/cached{query}", headers=MESSAGES_AUTH)
        body = response.json()
        read += [int(key) for key in body["data"]]
        after, pages = body["nextAfter"], pages + 1

    assert read == list(range(1, 2501))
    assert pages == 3


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ("limit=0", {"limit": "must be an integer >= 1"}),
        ("limit=1001", {"limit": "must be an integer <= 1000"}),
        ("limit=ten", {"limit": "must be an integer"}),
        ("after=-1", {"after": "must be an integer >= 0"}),
        ("after=9007199254740992", {"after": "must be an integer <= 9007199254740991"}),
    ],
)
async def test_cached_refuses_a_limit_or_after_out_of_range_with_422(
    client: Client, query: str, details: dict[str, str]
) -> None:
    response = await client.get(f"/api/v1/messages/cached?{query}", headers=MESSAGES_AUTH)

    assert response.status_code == 422
    assert response.json()["details"] == details


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


async def dead_letter_minutes_apart(
    create_message: Create, run_batch: RunBatch, sender: ScriptedSender, clock: ManualClock
) -> list[int]:
    """Three messages refused for good at 00:01, 00:02 and 00:03 (the clock starts at
    2026-01-01T00:00:00Z); returns their ids."""
    ids = []
    for _ in range(3):
        clock.advance(60)
        ids.append(await dead_letter(create_message, run_batch, sender))
    return ids


async def replay_all(client: Client, body: Any) -> Any:
    return await client.post("/api/v1/messages/replay/all", json=body, headers=MESSAGES_AUTH)


@pytest.mark.parametrize("path", ["/api/v1/messages/replay/all", "/api/v1/messages/replay"])
async def test_replaying_all_since_a_time_replays_only_what_failed_at_or_after_it(
    client: Client,
    create_message: Create,
    run_batch: RunBatch,
    sender: ScriptedSender,
    clock: ManualClock,
    repository: InMemoryMessageRepository,
    path: str,
) -> None:
    first, second, third = await dead_letter_minutes_apart(create_message, run_batch, sender, clock)

    response = await client.post(
        path, json={"since": "2026-01-01T03:02:00+03:00"}, headers=MESSAGES_AUTH
    )

    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "2 failed messages replayed",
        "data": {"replayed": 2},
    }
    stored = [await repository.get(n) for n in (first, second, third)]
    assert [m.status.value for m in stored if m] == ["failed", "pending", "pending"]


async def test_a_dry_run_answers_the_count_and_changes_nothing(
    client: Client,
    create_message: Create,
    run_batch: RunBatch,
    sender: ScriptedSender,
    clock: ManualClock,
    repository: InMemoryMessageRepository,
) -> None:
    await dead_letter_minutes_apart(create_message, run_batch, sender, clock)

    everything = await replay_all(client, {"dryRun": True})
    recent = await replay_all(client, {"dryRun": True, "since": "2026-01-01T00:03:00Z"})

    assert everything.status_code == recent.status_code == 200
    assert everything.json() == {
        "success": True,
        "message": "Dry run: 3 failed messages would be replayed",
        "data": {"dryRun": True, "wouldReplay": 3},
    }
    assert recent.json()["data"] == {"dryRun": True, "wouldReplay": 1}
    assert await repository.stats() == MessageStats(failed=3)


@pytest.mark.parametrize("body", [{}, None, {"dryRun": False}, {"since": None}])
async def test_an_empty_replay_body_replays_every_failed_message(
    client: Client,
    create_message: Create,
    run_batch: RunBatch,
    sender: ScriptedSender,
    clock: ManualClock,
    body: Any,
) -> None:
    await dead_letter_minutes_apart(create_message, run_batch, sender, clock)

    response = await replay_all(client, body)

    assert response.status_code == 200
    assert response.json()["data"] == {"replayed": 3}


MALFORMED = "must be an ISO 8601 time with a UTC offset or Z, such as 2026-06-01T09:30:00Z"


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"since": "yesterday"}, {"since": MALFORMED}),
        ({"since": "2026-01-01T00:00:00"}, {"since": "must have a UTC offset or Z"}),
        ({"dryRun": 0}, {"dryRun": "must be true or false"}),
        ({"dryRun": "yes"}, {"dryRun": "must be true or false"}),
        (
            {"since": "", "dryRun": 1},
            {"since": MALFORMED, "dryRun": "must be true or false"},
        ),
        ({"since": 5}, {"since": "must be a string"}),
        ({"sinse": "2026-01-01T00:00:00Z"}, {"sinse": "unknown field"}),
        ([], {"body": "must be a JSON object"}),
    ],
)
async def test_a_bad_replay_body_is_refused_with_422_naming_each_field(
    client: Client,
    create_message: Create,
    run_batch: RunBatch,
    sender: ScriptedSender,
    repository: InMemoryMessageRepository,
    body: Any,
    details: dict[str, str],
) -> None:
    await dead_letter(create_message, run_batch, sender)

    response = await replay_all(client, body)

    assert response.status_code == 422
    assert response.json() == {"success": False, "error": "Validation failed", "details": details}
    assert await repository.stats() == MessageStats(failed=1)


async def test_a_replay_body_that_is_not_json_is_refused_with_400(client: Client) -> None:
    response = await client.post(
        "/api/v1/messages/replay/all",
        content=b'{"dryRun": tru',
        headers={**MESSAGES_AUTH, "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "Invalid JSON body"


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


async def test_a_store_outage_answers_503_not_500(make_container: Callable[..., Container]) -> None:
    broken = make_container()
    unreachable = InMemoryMessageRepository()
    unreachable.available = False
    broken.repository.override(providers.Object(unreachable))

    async with AsyncTestClient(create_app(broken)) as client:
        response = await client.get("/api/v1/messages/stats", headers=MESSAGES_AUTH)

    assert response.status_code == 503
    assert response.json() == {"success": False, "error": "Database unavailable"}
