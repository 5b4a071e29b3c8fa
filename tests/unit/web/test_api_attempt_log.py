"""The attempt log through the API: every try of a message, oldest first, and its summary on
the message itself."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from adapters.memory import ManualClock, ScriptedSender
from adapters.memory.sender import accept, respond
from conftest import MESSAGES_AUTH, Client

Create = Callable[..., Awaitable[dict[str, Any]]]
RunBatch = Callable[[], Awaitable[list[Any]]]
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
PAST_ANY_BACKOFF_SECONDS = 3601


async def fail_once_then_deliver(
    create_message: Create, run_batch: RunBatch, sender: ScriptedSender, clock: ManualClock
) -> int:
    created = await create_message()
    sender.script = respond(503)
    await run_batch()
    clock.advance(PAST_ANY_BACKOFF_SECONDS)
    sender.script = accept
    await run_batch()
    return int(created["id"])


async def test_the_attempt_log_lists_every_try_oldest_first_with_its_outcome(
    client: Client,
    create_message: Create,
    run_batch: RunBatch,
    sender: ScriptedSender,
    clock: ManualClock,
) -> None:
    message_id = await fail_once_then_deliver(create_message, run_batch, sender, clock)

    response = await client.get(f"/api/v1/messages/{message_id}/attempts", headers=MESSAGES_AUTH)

    assert response.status_code == 200
    first, second = response.json()["data"]
    assert (first["attemptNumber"], first["httpStatus"], first["errorKind"]) == (
        1,
        503,
        "http_status",
    )
    assert (second["attemptNumber"], second["httpStatus"], second["errorKind"]) == (2, 202, None)
    assert second["detail"] is None
    assert first["startedAt"] < second["startedAt"]
    for attempt in (first, second):
        assert TIMESTAMP.fullmatch(attempt["startedAt"])
        assert isinstance(attempt["durationMs"], int)
        assert attempt["durationMs"] >= 0


async def test_a_retried_message_shows_its_attempt_count_last_error_and_next_try(
    client: Client, create_message: Create, run_batch: RunBatch, sender: ScriptedSender
) -> None:
    created = await create_message()
    sender.script = respond(503)
    await run_batch()

    response = await client.get(f"/api/v1/messages/{created['id']}", headers=MESSAGES_AUTH)

    message = response.json()["data"]
    assert (message["status"], message["attempts"]) == ("pending", 1)
    assert "503" in message["lastError"]
    assert TIMESTAMP.fullmatch(message["nextAttemptAt"])


async def test_the_openapi_document_describes_the_attempt_log(client: Client) -> None:
    document = (await client.get("/schema/openapi.json")).json()

    operation = document["paths"]["/api/v1/messages/{message_id}/attempts"]["get"]
    schemas = document["components"]["schemas"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    envelope = schemas[ok.rsplit("/", 1)[-1]]
    items = envelope["properties"]["data"]["oneOf"][0]["items"]
    assert items == {"$ref": "#/components/schemas/AttemptBody"}
    assert set(schemas["AttemptBody"]["properties"]) == {
        "attemptNumber",
        "startedAt",
        "durationMs",
        "httpStatus",
        "errorKind",
        "detail",
    }
    assert schemas["ErrorKind"]["enum"] == [
        "http_status",
        "timeout",
        "connection",
        "injected",
        "redirect",
        "unsendable",
        "fault",
    ]
    assert {"attempts", "lastError", "nextAttemptAt"} <= set(schemas["MessageBody"]["properties"])
    assert {"200", "401", "404"} <= set(operation["responses"])
