"""No request, however malformed, produces a 500; every error is an envelope."""

from __future__ import annotations

from random import Random
from typing import Any

from conftest import MESSAGES_AUTH, SCHEDULER_AUTH, Client

PATHS = [
    "/api/v1/messages",
    "/api/v1/messages/1",
    "/api/v1/messages/sent",
    "/api/v1/messages/stats",
    "/api/v1/messages/cached",
    "/api/v1/messages/1/replay",
    "/api/v1/messages/1/attempts",
    "/api/v1/messages/replay/all",
    "/api/v1/scheduler/start",
    "/api/v1/scheduler/stop",
    "/api/v1/scheduler/status",
    "/health",
]
ODD_IDS = ["-1", "0", "1.5", "abc", "9" * 30, "%00", "1e9", "%F0%9F%92%A9", "-9223372036854775809"]
ODD_QUERIES = [
    "page=99999999999999999999999999",
    "pageSize=-1",
    "page=1&page=2",
    "status=SENT",
    "status=",
    "pageSize=%00",
    "page=NaN",
    "page=1e3",
]
CONTENT_TYPES = [
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "multipart/form-data; boundary=x",
    "application/msgpack",
    "",
]
ODD_BODIES: list[bytes] = [
    b"",
    b"null",
    b"[]",
    b"{}",
    b'"string"',
    b"1e999",
    b'{"content": "x", "phoneNumber": "+905551112233", "content": 5}',
    b'{"content": "\\ud800", "phoneNumber": "+905551112233"}',
    b'{"interval": 1e999}',
    b'{"intervalSeconds": 1e308, "batchSize": 99999999999999999999}',
    b'{"batchSize": true, "failureRate": "0.5"}',
    b"a=1&b=2",
    b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--\r\n",
    b"{" * 5000,
]


def assert_handled(response: Any, description: str) -> None:
    assert response.status_code != 500, description
    assert response.status_code < 500 or response.status_code == 503, description
    is_json = response.headers.get("content-type", "").startswith("application/json")
    if response.status_code >= 400 and is_json and response.content:  # HEAD has no body
        body = response.json()
        assert body["success"] is False, description
        assert isinstance(body["error"], str), description


def auth_for(path: str) -> dict[str, str]:
    return SCHEDULER_AUTH if "/scheduler/" in path else MESSAGES_AUTH


async def test_odd_ids_and_queries_never_produce_a_500(client: Client) -> None:
    for odd in ODD_IDS:
        for suffix in ("", "/replay", "/attempts"):
            path = f"/api/v1/messages/{odd}{suffix}"
            method = "POST" if suffix == "/replay" else "GET"
            response = await client.request(method, path, headers=MESSAGES_AUTH)
            assert_handled(response, f"{method} {path}")
    for query in ODD_QUERIES:
        for path in ("/api/v1/messages", "/api/v1/messages/sent"):
            response = await client.get(f"{path}?{query}", headers=MESSAGES_AUTH)
            assert_handled(response, f"GET {path}?{query}")


async def test_odd_bodies_and_content_types_never_produce_a_500(client: Client) -> None:
    for path in ("/api/v1/messages", "/api/v1/scheduler/start"):
        for body in ODD_BODIES:
            for content_type in CONTENT_TYPES:
                headers = {**auth_for(path), "Content-Type": content_type}
                response = await client.post(path, content=body, headers=headers)
                assert_handled(response, f"POST {path} {content_type} {body[:40]!r}")
        await client.post("/api/v1/scheduler/stop", headers=SCHEDULER_AUTH)


async def test_random_bytes_methods_and_headers_never_produce_a_500(client: Client) -> None:
    rng = Random(20260101)
    methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]
    for _ in range(300):
        path = rng.choice(PATHS)
        body = rng.randbytes(rng.randint(0, 300))
        headers: dict[bytes, bytes] = {
            name.encode(): value.encode() for name, value in auth_for(path).items()
        }
        headers[b"content-type"] = rng.choice(CONTENT_TYPES).encode()
        headers[b"idempotency-key"] = rng.choice(["", "k", "x" * 300, "é"]).encode("latin-1")
        method = rng.choice(methods)
        response = await client.request(method, path, content=body, headers=headers)
        assert_handled(response, f"{method} {path} {body[:20]!r}")
    await client.post("/api/v1/scheduler/stop", headers=SCHEDULER_AUTH)


async def test_unknown_routes_and_methods_answer_with_the_error_envelope(client: Client) -> None:
    missing = await client.get("/api/v1/nothing-here")
    wrong_method = await client.delete("/api/v1/messages/stats", headers=MESSAGES_AUTH)

    assert missing.status_code == 404
    assert missing.json() == {"success": False, "error": "Not found"}
    assert wrong_method.status_code == 405
    assert wrong_method.json() == {"success": False, "error": "Method not allowed"}
