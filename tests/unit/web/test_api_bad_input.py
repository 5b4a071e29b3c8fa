"""Hostile and broken request bodies: each gets a 4xx with a clear error, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import MESSAGES_AUTH, SCHEDULER_AUTH, Client, settings_with
from entrypoints.web.request_bodies import request_body_limit

CREATE = "/api/v1/messages"
START = "/api/v1/scheduler/start"
REPLAY = "/api/v1/messages/replay/all"
JSON_HEADERS = {"Content-Type": "application/json"}
PHONE = "+905551112233"
LIMIT = request_body_limit(50)  # the test settings allow 50 characters of content


async def post(client: Client, path: str, body: bytes, **headers: str) -> Any:
    auth = SCHEDULER_AUTH if path == START else MESSAGES_AUTH
    return await client.post(path, content=body, headers={**auth, **JSON_HEADERS, **headers})


def message_body(content: str, phone: str = PHONE, *, ascii_only: bool = True) -> bytes:
    document = {"content": content, "phoneNumber": phone}
    return json.dumps(document, ensure_ascii=ascii_only).encode()


def error_of(response: Any) -> tuple[int, str, dict[str, str]]:
    body = response.json()
    assert body["success"] is False
    return response.status_code, body["error"], body.get("details") or {}


def test_the_body_limit_fits_the_longest_message_and_is_never_below_64_kib() -> None:
    assert request_body_limit(50) == request_body_limit(1000) == 64 * 1024
    assert request_body_limit(100_000) == 12 * 100_000 + 4096


@pytest.mark.parametrize("path", [CREATE, START, REPLAY])
async def test_a_body_over_the_limit_is_refused_with_413_in_the_error_envelope(
    client: Client, path: str
) -> None:
    response = await post(client, path, b" " * (LIMIT + 1))

    assert error_of(response) == (413, f"Request body too large: at most {LIMIT} bytes", {})


async def test_an_oversized_body_is_refused_before_it_is_parsed(client: Client) -> None:
    not_even_json = b"{" * (LIMIT + 1)

    response = await post(client, CREATE, not_even_json)

    assert response.status_code == 413  # not the 400 that parsing it would give


async def test_a_streamed_body_without_a_length_is_cut_off_at_the_limit(client: Client) -> None:
    chunk = b" " * 1024
    unread = [chunk] * (LIMIT // len(chunk) + 50)

    status = await post_in_chunks(client.app, CREATE, MESSAGES_AUTH, unread)

    assert status == 413
    assert len(unread) == 49  # reading stopped at the first chunk past the limit


async def post_in_chunks(app: Any, path: str, headers: dict[str, str], chunks: list[bytes]) -> int:
    """Call the app as a server would for a chunked body: no Content-Length. Each chunk the app
    reads is taken off `chunks`; returns the response status."""

    async def receive() -> dict[str, Any]:
        if chunks:
            return {"type": "http.request", "body": chunks.pop(0), "more_body": True}
        return {"type": "http.request", "body": b"", "more_body": False}

    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    all_headers = {**headers, **JSON_HEADERS, "transfer-encoding": "chunked"}
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(name.lower().encode(), value.encode()) for name, value in all_headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    await app(scope, receive, send)
    [status] = statuses
    return status


async def test_the_longest_message_in_its_longest_json_spelling_fits_the_limit(
    open_client: Any,
) -> None:
    settings = settings_with(MESSAGE_MAX_CONTENT_LENGTH="20000")
    body = message_body("😀" * 20_000)  # every character escaped as a surrogate pair
    assert len(body) > 64 * 1024

    async with open_client(settings) as client:
        response = await post(client, CREATE, body)

    assert response.status_code == 201, response.text


async def test_invalid_utf8_inside_a_string_is_a_400(client: Client) -> None:
    body = b'{"content": "caf\xe9", "phoneNumber": "+905551112233"}'

    response = await post(client, CREATE, body)

    assert error_of(response) == (400, "Invalid JSON body", {"body": "is not valid UTF-8"})


@pytest.mark.parametrize("path", [CREATE, START, REPLAY])
async def test_json_nested_deeper_than_the_decoder_allows_is_a_400(
    client: Client, path: str
) -> None:
    depth = 30_000  # within the size limit

    response = await post(client, path, b"[" * depth + b"]" * depth)

    expected = {"body": "nests arrays or objects too deeply"}
    assert error_of(response) == (400, "Invalid JSON body", expected)


async def test_a_hundred_thousand_nested_arrays_are_refused_by_size(client: Client) -> None:
    depth = 100_000

    response = await post(client, CREATE, b"[" * depth + b"]" * depth)

    assert response.status_code == 413


@pytest.mark.parametrize(
    "phone",
    [
        "+\u0669\u0660\u0665\u0665\u0665\u0661\u0661\u0661\u0662\u0662",  # Arabic-Indic
        "+\uff19\uff10\uff15\uff15\uff15\uff11\uff11\uff11\uff12\uff12",  # full-width
        "+\u096f\u0966\u096b\u096b\u096b\u0967\u0967\u0967\u0968\u0968",  # Devanagari
        "+90555111223\u0663",  # one Arabic-Indic digit among ASCII ones
    ],
)
@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "raw-utf8"])
async def test_a_phone_number_with_non_ascii_digits_is_a_422(
    client: Client, phone: str, ascii_only: bool
) -> None:
    response = await post(client, CREATE, message_body("Hi", phone, ascii_only=ascii_only))

    status, error, details = error_of(response)
    assert (status, error) == (422, "Validation failed")
    assert details == {"phoneNumber": "must be E.164: '+' then 8 to 15 digits"}


async def test_a_raw_nul_byte_is_malformed_json(client: Client) -> None:
    response = await post(client, CREATE, b'{"content": "a\x00b", "phoneNumber": "+905551112233"}')

    status, error, details = error_of(response)
    assert (status, error) == (400, "Invalid JSON body")
    assert details["body"].startswith("JSON is malformed")


async def test_an_escaped_nul_in_the_content_is_a_422(client: Client) -> None:
    response = await post(client, CREATE, message_body("a\x00b"))

    expected = {"content": "must not contain NUL characters"}
    assert error_of(response) == (422, "Validation failed", expected)


async def test_an_escaped_nul_in_the_phone_number_is_a_422(client: Client) -> None:
    response = await post(client, CREATE, message_body("Hi", PHONE + "\x00"))

    status, _, details = error_of(response)
    assert status == 422
    assert set(details) == {"phoneNumber"}


@pytest.mark.parametrize("body", [b"[]", b'["content"]', b'"content"', b"42", b"true", b"null"])
@pytest.mark.parametrize("path", [CREATE, START])
async def test_a_json_value_that_is_not_an_object_is_a_422(
    client: Client, path: str, body: bytes
) -> None:
    response = await post(client, path, body)

    if path == START and body == b"null":
        assert response.status_code == 200  # the start body is optional; null means none
        await client.post("/api/v1/scheduler/stop", headers=SCHEDULER_AUTH)
        return
    assert error_of(response) == (422, "Validation failed", {"body": "must be a JSON object"})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"batchSize": 1e400}', (400, "Invalid JSON body")),
        (b'{"batchSize": 100000000000000000000000000000}', (422, "Validation failed")),
        (b'{"batchSize": 1001}', (422, "Validation failed")),
        (b'{"batchSize": 2.5}', (422, "Validation failed")),
    ],
)
async def test_a_huge_or_fractional_batch_size_is_a_4xx(
    client: Client, body: bytes, expected: tuple[int, str]
) -> None:
    response = await post(client, START, body)

    status, error, details = error_of(response)
    assert (status, error) == expected
    if status == 422:
        assert details["batchSize"].startswith("must be an integer")


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"nan", b"inf"])
@pytest.mark.parametrize("field", [b"failureRate", b"interval", b"intervalSeconds"])
async def test_nan_and_infinity_literals_are_malformed_json(
    client: Client, field: bytes, literal: bytes
) -> None:
    response = await post(client, START, b'{"' + field + b'": ' + literal + b"}")

    status, error, details = error_of(response)
    assert (status, error) == (400, "Invalid JSON body")
    assert details["body"].startswith("JSON is malformed")


async def test_an_empty_create_body_names_every_missing_field(client: Client) -> None:
    response = await post(client, CREATE, b"{}")

    assert error_of(response) == (
        422,
        "Validation failed",
        {"content": "is required", "phoneNumber": "is required"},
    )


async def test_a_create_body_of_wrong_types_names_every_bad_field(client: Client) -> None:
    response = await post(client, CREATE, b'{"content": 5, "phoneNumber": 7, "extra": 1}')

    assert error_of(response) == (
        422,
        "Validation failed",
        {
            "content": "must be a string",
            "phoneNumber": "must be a string",
            "extra": "unknown field",
        },
    )


async def test_a_start_body_with_several_bad_values_names_every_one(client: Client) -> None:
    body = b'{"interval": -1, "failureRate": 2, "batchSize": 0}'

    response = await post(client, START, body)

    assert error_of(response) == (
        422,
        "Validation failed",
        {
            "interval": "must be a number > 0.0",
            "failureRate": "must be a number <= 1.0",
            "batchSize": "must be an integer >= 1",
        },
    )


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (b'{"batchSize": "3"}', "batchSize", "must be an integer"),
        (b'{"failureRate": "0.5"}', "failureRate", "must be a number"),
        (b'{"intervalSeconds": "10"}', "intervalSeconds", "must be a number"),
        (b'{"interval": true}', "interval", "must be a number"),
    ],
)
async def test_a_start_body_refuses_a_number_given_as_a_string_as_its_schema_says(
    client: Client, body: bytes, field: str, reason: str
) -> None:
    response = await post(client, START, body)

    assert error_of(response) == (422, "Validation failed", {field: reason})
    status = await client.get("/api/v1/scheduler/status", headers=SCHEDULER_AUTH)
    assert status.json()["data"]["running"] is False


async def test_a_whole_number_written_with_a_decimal_point_is_an_integer(client: Client) -> None:
    response = await post(client, START, b'{"batchSize": 10.0, "intervalSeconds": 5}')

    assert response.status_code == 200, response.text
    assert response.json()["data"]["batchSize"] == 10
    await client.post("/api/v1/scheduler/stop", headers=SCHEDULER_AUTH)
