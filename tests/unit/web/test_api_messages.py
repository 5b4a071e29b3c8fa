"""Message routes: create, list, sent, one, stats."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from adapters.memory import InMemoryMessageRepository, ScriptedSender
from adapters.memory.sender import respond
from conftest import MESSAGES_AUTH, Client

Create = Callable[..., Awaitable[dict[str, Any]]]
RunBatch = Callable[[], Awaitable[list[Any]]]
ISO_UTC_MICROSECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
MESSAGE_KEYS = {
    "id",
    "content",
    "phoneNumber",
    "status",
    "messageId",
    "sentAt",
    "attempts",
    "nextAttemptAt",
    "lastError",
    "idempotencyKey",
    "createdAt",
    "updatedAt",
}
PAGE_KEYS = {"success", "data", "page", "pageSize", "totalCount", "totalPages"}


async def post_message(client: Client, body: Any, **headers: str) -> Any:
    return await client.post("/api/v1/messages", json=body, headers={**MESSAGES_AUTH, **headers})


async def test_creating_a_message_answers_201_with_the_pending_message(client: Client) -> None:
    response = await post_message(client, {"content": "Hi", "phoneNumber": "+905551112233"})

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"success", "message", "data"}
    assert body["success"] is True
    assert body["message"] == "Message created successfully"
    message = body["data"]
    assert set(message) == MESSAGE_KEYS
    assert message["content"] == "Hi"
    assert message["phoneNumber"] == "+905551112233"
    assert message["status"] == "pending"
    assert message["attempts"] == 0
    assert message["messageId"] is None
    assert message["sentAt"] is None
    assert message["lastError"] is None


async def test_timestamps_are_utc_iso_8601_with_microseconds_ending_in_z(
    create_message: Create, run_batch: RunBatch, client: Client
) -> None:
    created = await create_message()
    await run_batch()

    sent = (await client.get(f"/api/v1/messages/{created['id']}", headers=MESSAGES_AUTH)).json()

    assert ISO_UTC_MICROSECONDS.fullmatch(created["nextAttemptAt"])
    for field in ("createdAt", "updatedAt", "sentAt"):
        assert ISO_UTC_MICROSECONDS.fullmatch(sent["data"][field]), field


async def test_a_sent_or_failed_message_has_no_next_attempt_until_it_is_replayed(
    create_message: Create, run_batch: RunBatch, client: Client, sender: ScriptedSender
) -> None:
    sent = await create_message()
    await run_batch()
    sender.script = respond(400)
    failed = await create_message()
    await run_batch()

    def read(message_id: int) -> Any:
        return client.get(f"/api/v1/messages/{message_id}", headers=MESSAGES_AUTH)

    assert (await read(sent["id"])).json()["data"]["nextAttemptAt"] is None
    assert (await read(failed["id"])).json()["data"]["nextAttemptAt"] is None
    listed = (await client.get("/api/v1/messages", headers=MESSAGES_AUTH)).json()["data"]
    assert [message["nextAttemptAt"] for message in listed] == [None, None]
    await client.post(f"/api/v1/messages/{failed['id']}/replay", headers=MESSAGES_AUTH)
    replayed = (await read(failed["id"])).json()["data"]
    assert ISO_UTC_MICROSECONDS.fullmatch(replayed["nextAttemptAt"])


async def test_a_message_without_an_idempotency_key_gets_a_fresh_uuid(
    create_message: Create,
) -> None:
    first, second = await create_message(), await create_message()

    assert re.fullmatch(r"[0-9a-f-]{36}", first["idempotencyKey"])
    assert first["idempotencyKey"] != second["idempotencyKey"]


async def test_a_repeated_idempotency_key_returns_200_and_the_original_never_a_second_row(
    client: Client, repository: InMemoryMessageRepository
) -> None:
    body = {"content": "Once", "phoneNumber": "+905551112233"}
    first = await post_message(client, body, **{"Idempotency-Key": "order-42"})
    again = await post_message(
        client, {**body, "content": "Twice"}, **{"Idempotency-Key": "order-42"}
    )

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["message"] == "Message already exists for this Idempotency-Key"
    assert again.json()["data"] == first.json()["data"]
    assert again.json()["data"]["idempotencyKey"] == "order-42"
    assert (await repository.stats()).total == 1


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"content": "", "phoneNumber": "+905551112233"}, {"content": "must not be empty"}),
        ({"content": "   ", "phoneNumber": "+905551112233"}, {"content": "must not be empty"}),
        (
            {"content": "x" * 51, "phoneNumber": "+905551112233"},
            {"content": "must be at most 50 characters"},
        ),
        (
            {"content": "Hi", "phoneNumber": "05551112233"},
            {"phoneNumber": "must be E.164: '+' then 8 to 15 digits"},
        ),
        (
            {"content": "Hi", "phoneNumber": "+1234567"},
            {"phoneNumber": "must be E.164: '+' then 8 to 15 digits"},
        ),
        (
            {"content": "", "phoneNumber": "nope"},
            {
                "content": "must not be empty",
                "phoneNumber": "must be E.164: '+' then 8 to 15 digits",
            },
        ),
        ({"content": "Hi", "phoneNumber": "+905551112233", "extra": 1}, {"extra": "unknown field"}),
        ({"content": "Hi"}, {"phoneNumber": "is required"}),
        ({"phoneNumber": "+905551112233"}, {"content": "is required"}),
        ({"content": 7, "phoneNumber": "+905551112233"}, {"content": "must be a string"}),
        ({"content": "Hi", "phoneNumber": None}, {"phoneNumber": "must be a string"}),
        ([1, 2], {"body": "must be a JSON object"}),
        ("text", {"body": "must be a JSON object"}),
    ],
)
async def test_an_invalid_message_is_refused_with_422_naming_each_field(
    client: Client, repository: InMemoryMessageRepository, body: Any, details: dict[str, str]
) -> None:
    response = await post_message(client, body)

    assert response.status_code == 422
    assert response.json() == {"success": False, "error": "Validation failed", "details": details}
    assert (await repository.stats()).total == 0


async def test_content_at_the_limit_in_characters_not_bytes_is_accepted(client: Client) -> None:
    response = await post_message(client, {"content": "ğ" * 50, "phoneNumber": "+905551112233"})

    assert response.status_code == 201


@pytest.mark.parametrize("raw", [b"{", b'{"content": "Hi",}', b"not json", b"\xff\xfe\x00"])
async def test_a_body_that_is_not_json_is_refused_with_400(client: Client, raw: bytes) -> None:
    response = await client.post(
        "/api/v1/messages",
        content=raw,
        headers={**MESSAGES_AUTH, "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    body = response.json()
    assert (body["success"], body["error"]) == (False, "Invalid JSON body")
    assert body["details"]["body"]  # what the decoder found wrong


async def test_an_empty_body_is_refused_with_422(client: Client) -> None:
    response = await client.post("/api/v1/messages", headers=MESSAGES_AUTH)

    assert response.status_code == 422
    assert response.json()["details"] == {"body": "a JSON body is required"}


@pytest.mark.parametrize("key", ["", "k" * 256])
async def test_an_idempotency_key_that_is_empty_or_too_long_is_refused_with_422(
    client: Client, key: str
) -> None:
    body = {"content": "Hi", "phoneNumber": "+905551112233"}

    response = await post_message(client, body, **{"Idempotency-Key": key})

    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["details"]


async def test_the_list_is_a_page_envelope_newest_first(
    client: Client, create_message: Create
) -> None:
    ids = [(await create_message(content=f"m{n}"))["id"] for n in range(3)]

    response = await client.get("/api/v1/messages", headers=MESSAGES_AUTH)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PAGE_KEYS
    assert body["success"] is True
    assert [m["id"] for m in body["data"]] == ids[::-1]
    assert (body["page"], body["pageSize"], body["totalCount"], body["totalPages"]) == (1, 20, 3, 1)


async def test_pages_split_the_list_and_count_the_pages(
    client: Client, create_message: Create
) -> None:
    for n in range(5):
        await create_message(content=f"m{n}")

    response = await client.get("/api/v1/messages?page=3&pageSize=2", headers=MESSAGES_AUTH)

    body = response.json()
    assert [m["content"] for m in body["data"]] == ["m0"]
    assert (body["page"], body["pageSize"], body["totalCount"], body["totalPages"]) == (3, 2, 5, 3)


async def test_a_page_past_the_end_is_empty_not_an_error(
    client: Client, create_message: Create
) -> None:
    await create_message()

    response = await client.get("/api/v1/messages?page=9", headers=MESSAGES_AUTH)

    assert response.status_code == 200
    assert response.json()["data"] == []


async def test_the_list_filters_by_status(
    client: Client, create_message: Create, run_batch: RunBatch, container: Any
) -> None:
    await create_message(content="sent one")
    await create_message(content="sent two")
    await run_batch()
    await create_message(content="waiting")

    pending = (await client.get("/api/v1/messages?status=pending", headers=MESSAGES_AUTH)).json()
    sent = (await client.get("/api/v1/messages?status=sent", headers=MESSAGES_AUTH)).json()

    assert [m["content"] for m in pending["data"]] == ["waiting"]
    assert {m["content"] for m in sent["data"]} == {"sent one", "sent two"}


async def test_a_listed_message_is_shown_as_it_is_now_when_listed_again(
    client: Client, create_message: Create, run_batch: RunBatch
) -> None:
    created = await create_message(content="changes")
    before = (await client.get("/api/v1/messages", headers=MESSAGES_AUTH)).json()
    await run_batch()
    after = (await client.get("/api/v1/messages", headers=MESSAGES_AUTH)).json()
    one = (await client.get(f"/api/v1/messages/{created['id']}", headers=MESSAGES_AUTH)).json()

    assert before["data"] == [created]
    assert after["data"] == [one["data"]]
    assert after["data"][0]["status"] == "sent"


PAGING_ERRORS = [
    ("page=0", {"page": "must be an integer >= 1"}),
    ("page=-1", {"page": "must be an integer >= 1"}),
    ("page=abc", {"page": "must be an integer"}),
    ("pageSize=0", {"pageSize": "must be an integer >= 1"}),
    ("pageSize=101", {"pageSize": "must be an integer <= 100"}),
    ("pageSize=1.5", {"pageSize": "must be an integer"}),
    ("page=99999999999999999999999", {"page": "must be an integer <= 1000000000"}),
]
STATUS_ERROR = ("status=lost", {"status": "must be one of pending, sending, sent, failed"})


@pytest.mark.parametrize(
    ("path", "query", "details"),
    [("/api/v1/messages", *STATUS_ERROR)]
    + [
        (path, *error)
        for path in ("/api/v1/messages", "/api/v1/messages/sent")
        for error in PAGING_ERRORS
    ],
)
async def test_invalid_query_values_are_refused_with_422(
    client: Client, path: str, query: str, details: dict[str, str]
) -> None:
    response = await client.get(f"{path}?{query}", headers=MESSAGES_AUTH)

    assert response.status_code == 422
    assert response.json() == {"success": False, "error": "Validation failed", "details": details}


async def test_the_sent_list_holds_only_sent_messages_newest_sent_first(
    client: Client, create_message: Create, run_batch: RunBatch
) -> None:
    first = await create_message(content="first")
    second = await create_message(content="second")
    await create_message(content="still pending")
    await run_batch()  # the batch size is 2: the two oldest are sent

    body = (await client.get("/api/v1/messages/sent", headers=MESSAGES_AUTH)).json()

    assert set(body) == PAGE_KEYS
    assert {m["id"] for m in body["data"]} == {first["id"], second["id"]}
    assert all(m["status"] == "sent" for m in body["data"])
    sent_times = [m["sentAt"] for m in body["data"]]
    assert sent_times == sorted(sent_times, reverse=True)


async def test_one_message_is_found_by_id(client: Client, create_message: Create) -> None:
    created = await create_message()

    response = await client.get(f"/api/v1/messages/{created['id']}", headers=MESSAGES_AUTH)

    assert response.status_code == 200
    assert response.json() == {"success": True, "data": created}


@pytest.mark.parametrize("message_id", ["99", "0", "-5", "9223372036854775808", "1" * 40])
async def test_an_unknown_id_answers_404_saying_not_found(client: Client, message_id: str) -> None:
    response = await client.get(f"/api/v1/messages/{message_id}", headers=MESSAGES_AUTH)

    assert response.status_code == 404
    assert response.json() == {"success": False, "error": f"Message {int(message_id)} not found"}


async def test_an_id_that_is_not_a_number_answers_404(client: Client) -> None:
    response = await client.get("/api/v1/messages/abc", headers=MESSAGES_AUTH)

    assert response.status_code == 404
    assert response.json()["success"] is False


async def test_stats_count_messages_by_status(
    client: Client, create_message: Create, run_batch: RunBatch, sender: ScriptedSender
) -> None:
    await create_message()
    await create_message()
    sender.script = respond(400)
    await run_batch()
    await create_message()

    response = await client.get("/api/v1/messages/stats", headers=MESSAGES_AUTH)

    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": {"pending": 1, "sending": 0, "sent": 0, "failed": 2, "total": 3},
    }


@pytest.mark.parametrize("path", ["sent", "stats", "cached", "replay"])
async def test_named_routes_are_not_taken_for_an_id(client: Client, path: str) -> None:
    method = "POST" if path == "replay" else "GET"

    response = await client.request(method, f"/api/v1/messages/{path}", headers=MESSAGES_AUTH)

    assert response.status_code == 200
