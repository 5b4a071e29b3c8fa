"""A message created with `sendAt` waits until then."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from adapters.memory import InMemoryMessageRepository, ManualClock
from conftest import MESSAGES_AUTH, Client

RunBatch = Callable[[], Awaitable[list[Any]]]
PHONE = "+905551112233"
# The test clock starts at 2026-01-01T00:00:00Z.
NOW = "2026-01-01T00:00:00.000000Z"


async def post_message(client: Client, body: Any, **headers: str) -> Any:
    return await client.post("/api/v1/messages", json=body, headers={**MESSAGES_AUTH, **headers})


async def test_a_message_with_send_at_shows_it_as_next_attempt_at_and_is_not_sent_before(
    client: Client, clock: ManualClock, run_batch: RunBatch
) -> None:
    response = await post_message(
        client, {"content": "Later", "phoneNumber": PHONE, "sendAt": "2026-01-01T00:10:00Z"}
    )

    assert response.status_code == 201
    message = response.json()["data"]
    assert message["nextAttemptAt"] == "2026-01-01T00:10:00.000000Z"
    assert message["createdAt"] == NOW
    assert await run_batch() == []
    clock.advance(10 * 60)
    [sent] = await run_batch()
    assert (sent.id, sent.status.value) == (message["id"], "sent")


@pytest.mark.parametrize(
    ("send_at", "next_attempt_at"),
    [
        ("2026-01-01T05:30:00+03:00", "2026-01-01T02:30:00.000000Z"),
        ("2026-01-01t00:00:01.5z", "2026-01-01T00:00:01.500000Z"),
        ("2026-12-31T23:29:59.999999-00:30", "2026-12-31T23:59:59.999999Z"),
        ("2025-06-01T00:00:00Z", NOW),  # a past time means now
        ("0001-01-01T00:00:00Z", NOW),
        ("0001-01-01T00:00:00+01:00", NOW),  # before the calendar begins, in UTC
        (None, NOW),
    ],
)
async def test_send_at_is_read_with_its_offset_and_a_past_time_means_now(
    client: Client, send_at: str | None, next_attempt_at: str
) -> None:
    response = await post_message(
        client, {"content": "Hi", "phoneNumber": PHONE, "sendAt": send_at}
    )

    assert response.status_code == 201
    assert response.json()["data"]["nextAttemptAt"] == next_attempt_at


MALFORMED = "must be an ISO 8601 time with a UTC offset or Z, such as 2026-06-01T09:30:00Z"


@pytest.mark.parametrize(
    ("send_at", "reason"),
    [
        ("tomorrow", MALFORMED),
        ("", MALFORMED),
        ("2026-02-30T10:00:00Z", MALFORMED),
        ("2026-01-01T24:00:00Z", MALFORMED),
        ("2026-01-01T10:00:00", "must have a UTC offset or Z"),
        ("2026-01-02", "must have a UTC offset or Z"),
        ("2027-01-01T00:00:00.000001Z", "must be at most a year (365 days) ahead"),
        ("9999-12-31T23:59:59-23:59", "must be at most a year (365 days) ahead"),
    ],
)
async def test_a_malformed_or_too_distant_send_at_is_refused_with_422(
    client: Client, repository: InMemoryMessageRepository, send_at: str, reason: str
) -> None:
    response = await post_message(
        client, {"content": "Hi", "phoneNumber": PHONE, "sendAt": send_at}
    )

    assert response.status_code == 422
    assert response.json() == {
        "success": False,
        "error": "Validation failed",
        "details": {"sendAt": reason},
    }
    assert (await repository.stats()).total == 0


async def test_a_send_at_a_year_ahead_to_the_microsecond_is_accepted(client: Client) -> None:
    response = await post_message(
        client, {"content": "Hi", "phoneNumber": PHONE, "sendAt": "2027-01-01T00:00:00Z"}
    )

    assert response.status_code == 201
    assert response.json()["data"]["nextAttemptAt"] == "2027-01-01T00:00:00.000000Z"


async def test_a_bad_send_at_is_named_with_every_other_bad_field(client: Client) -> None:
    response = await post_message(client, {"content": " ", "phoneNumber": "0", "sendAt": "soon"})

    assert response.status_code == 422
    assert response.json()["details"] == {
        "content": "must not be empty",
        "phoneNumber": "must be E.164: '+' then 8 to 15 digits",
        "sendAt": MALFORMED,
    }


async def test_a_send_at_that_is_not_a_string_is_refused_with_422(client: Client) -> None:
    response = await post_message(client, {"content": "Hi", "phoneNumber": PHONE, "sendAt": 17})

    assert response.status_code == 422
    assert response.json()["details"] == {"sendAt": "must be a string"}


async def test_a_repeated_key_with_another_send_at_returns_the_original(
    client: Client, repository: InMemoryMessageRepository
) -> None:
    body = {"content": "Once", "phoneNumber": PHONE, "sendAt": "2026-01-01T01:00:00Z"}
    first = await post_message(client, body, **{"Idempotency-Key": "order-9"})
    again = await post_message(
        client, {**body, "sendAt": "2026-01-01T09:00:00Z"}, **{"Idempotency-Key": "order-9"}
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["data"] == first.json()["data"]
    assert again.json()["data"]["nextAttemptAt"] == "2026-01-01T01:00:00.000000Z"
    assert (await repository.stats()).total == 1


async def test_the_openapi_document_describes_send_at(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()

    send_at = schema["components"]["schemas"]["CreateMessage"]["properties"]["sendAt"]

    text = str(send_at)
    assert "date-time" in text
    assert "a year ahead" in text
    assert "2026-06-01T09:30:00Z" in text
    assert "sendAt" not in schema["components"]["schemas"]["CreateMessage"].get("required", [])
