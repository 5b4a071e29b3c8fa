"""Auth: one key per endpoint group, compared in constant time."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from conftest import MESSAGES_KEY, SCHEDULER_KEY, Client, settings_with

MESSAGE_ROUTES = [
    ("GET", "/api/v1/messages"),
    ("POST", "/api/v1/messages"),
    ("GET", "/api/v1/messages/sent"),
    ("GET", "/api/v1/messages/stats"),
    ("GET", "/api/v1/messages/cached"),
    ("GET", "/api/v1/messages/1"),
    ("GET", "/api/v1/messages/1/attempts"),
    ("POST", "/api/v1/messages/1/replay"),
    ("POST", "/api/v1/messages/replay/all"),
    ("POST", "/api/v1/messages/replay"),
]
SCHEDULER_ROUTES = [
    ("POST", "/api/v1/scheduler/start"),
    ("POST", "/api/v1/scheduler/stop"),
    ("GET", "/api/v1/scheduler/status"),
]
ALL_ROUTES = MESSAGE_ROUTES + SCHEDULER_ROUTES
INVALID_KEY = {"success": False, "error": "Invalid or missing API key"}
NOT_CONFIGURED = {"success": False, "error": "API key is not configured for this endpoint group"}


async def call(client: Client, method: str, path: str, **options: Any) -> Any:
    return await client.request(method, path, **options)


@pytest.mark.parametrize(("method", "path"), ALL_ROUTES)
async def test_a_request_without_a_key_is_refused_with_401(
    client: Client, method: str, path: str
) -> None:
    response = await call(client, method, path)

    assert response.status_code == 401
    assert response.json() == INVALID_KEY


@pytest.mark.parametrize(("method", "path"), ALL_ROUTES)
async def test_a_request_with_a_wrong_key_is_refused_with_401(
    client: Client, method: str, path: str
) -> None:
    response = await call(client, method, path, headers={"x-ins-auth-key": "wrong"})

    assert response.status_code == 401
    assert response.json() == INVALID_KEY


@pytest.mark.parametrize(
    ("method", "path", "options"),
    [
        ("POST", "/api/v1/messages", {"content": b"{not json"}),
        ("POST", "/api/v1/messages", {"json": {"content": "", "unknown": 1}}),
        ("GET", "/api/v1/messages?page=0&pageSize=1000&status=lost", {}),
        ("POST", "/api/v1/scheduler/start", {"json": {"batchSize": -1}}),
    ],
)
async def test_the_key_is_checked_before_any_input_is_read(
    client: Client, method: str, path: str, options: dict[str, Any]
) -> None:
    response = await call(client, method, path, **options)

    assert response.status_code == 401
    assert response.json() == INVALID_KEY


@pytest.mark.parametrize(("method", "path"), MESSAGE_ROUTES)
async def test_the_scheduler_key_does_not_open_message_routes(
    client: Client, method: str, path: str
) -> None:
    response = await call(client, method, path, headers={"x-ins-auth-key": SCHEDULER_KEY})

    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path"), SCHEDULER_ROUTES)
async def test_the_messages_key_does_not_open_scheduler_routes(
    client: Client, method: str, path: str
) -> None:
    response = await call(client, method, path, headers={"x-ins-auth-key": MESSAGES_KEY})

    assert response.status_code == 401


async def test_a_key_that_differs_only_in_its_last_character_is_refused(client: Client) -> None:
    near_miss = MESSAGES_KEY[:-1] + "X"

    response = await client.get("/api/v1/messages", headers={"x-ins-auth-key": near_miss})

    assert response.status_code == 401


async def test_a_key_with_non_ascii_bytes_is_refused_not_crashed_on(client: Client) -> None:
    response = await client.get("/api/v1/messages", headers={b"x-ins-auth-key": b"\xe9\xff"})

    assert response.status_code == 401
    assert response.json() == INVALID_KEY


@pytest.mark.parametrize(
    ("unset", "routes"),
    [("MESSAGES_API_KEY", MESSAGE_ROUTES), ("SCHEDULER_API_KEY", SCHEDULER_ROUTES)],
)
async def test_a_group_whose_key_is_not_configured_answers_500_to_every_request(
    open_client: Any, unset: str, routes: list[tuple[str, str]]
) -> None:
    async with open_client(settings_with(**{unset: ""})) as client:
        for method, path in routes:
            for headers in ({}, {"x-ins-auth-key": ""}, {"x-ins-auth-key": "anything"}):
                response = await call(client, method, path, headers=headers)

                assert response.status_code == 500, (method, path, headers)
                assert response.json() == NOT_CONFIGURED


async def test_an_unconfigured_group_does_not_close_the_other_group(open_client: Any) -> None:
    async with open_client(settings_with(SCHEDULER_API_KEY="")) as client:
        response = await client.get("/api/v1/messages", headers={"x-ins-auth-key": MESSAGES_KEY})

    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/health", "/schema/openapi.json", "/metrics", "/swagger"])
async def test_health_docs_and_metrics_are_open(client: Client, path: str) -> None:
    response = await client.get(path)

    assert response.status_code == 200


async def test_start_up_warns_of_each_endpoint_group_whose_key_is_not_configured(
    open_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="entrypoints.web.lifespan"):
        async with open_client(settings_with(MESSAGES_API_KEY="")):
            pass

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "MESSAGES_API_KEY is not set: every call to /api/v1/messages answers 500 until it is"
    ]


async def test_start_up_warns_of_no_key_when_both_are_configured(
    open_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="entrypoints.web.lifespan"):
        async with open_client(settings_with()):
            pass

    assert not [r for r in caplog.records if "API_KEY" in r.getMessage()]
