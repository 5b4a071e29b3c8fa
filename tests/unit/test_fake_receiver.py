from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from entrypoints.fake_receiver import (
    FAKE_RECEIVER_STATS,
    FakeReceiverOptions,
    build_fake_receiver_app,
    run_fake_receiver,
)

Client = TestClient[web.Request, web.Application]
MESSAGE = {"to": "+905551111111", "content": "Hello"}


@asynccontextmanager
async def receiver(**options: Any) -> AsyncIterator[Client]:
    app = build_fake_receiver_app(FakeReceiverOptions(**options))
    async with TestClient(TestServer(app)) as client:
        yield client


async def post(client: Client, key: str | None = None, path: str = "/webhook") -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return await client.post(path, json=MESSAGE, headers=headers)


async def stats(client: Client) -> dict[str, Any]:
    response = await client.get("/stats")
    assert response.status == 200
    return dict(await response.json())


async def test_a_message_is_accepted_with_a_fresh_message_id() -> None:
    async with receiver() as client:
        first = await post(client, "k1")
        second = await post(client, "k2")

        assert first.status == second.status == 202
        first_body, second_body = await first.json(), await second.json()
        assert first_body["message"] == "Accepted"
        assert first_body["messageId"] != second_body["messageId"]
        uuid.UUID(first_body["messageId"])


async def test_any_path_receives_messages() -> None:
    async with receiver() as client:
        response = await post(client, "k1", path="/some/hook")

        assert response.status == 202


async def test_requests_are_counted_and_repeated_keys_are_duplicates() -> None:
    async with receiver() as client:
        for key in ["a", "b", "a", "a", "c"]:
            await post(client, key)
        await post(client)

        report = await stats(client)

    assert report["requests"] == 6
    assert report["unique"] == 3
    assert report["duplicates"] == 2
    assert report["acceptedDuplicates"] == 2
    assert report["withoutKey"] == 1
    assert report["duplicateKeys"] == {"a": 3}


async def test_a_retry_after_a_failure_is_a_duplicate_but_not_a_second_delivery() -> None:
    async with receiver(always_status=503) as client:
        await post(client, "a")
        await post(client, "a")

        report = await stats(client)

    assert report["duplicates"] == 1
    assert report["acceptedDuplicates"] == 0
    assert report["failed"] == 2


async def test_a_failure_rate_of_one_answers_the_failure_status() -> None:
    async with receiver(failure_rate=1.0, fail_status=502) as client:
        response = await post(client, "a")

        assert response.status == 502
        assert (await stats(client))["accepted"] == 0


async def test_a_failure_rate_fails_about_that_share_of_requests() -> None:
    async with receiver(failure_rate=0.5, seed=7) as client:
        statuses = [(await post(client, str(i))).status for i in range(200)]

    assert 60 <= statuses.count(500) <= 140
    assert set(statuses) == {202, 500}


async def test_always_status_answers_every_request_with_it_and_retry_after() -> None:
    async with receiver(always_status=429, retry_after="3") as client:
        response = await post(client, "a")

        assert response.status == 429
        assert response.headers["Retry-After"] == "3"


async def test_latency_delays_the_answer() -> None:
    async with receiver(latency_seconds=0.2) as client:
        started = asyncio.get_running_loop().time()
        await post(client, "a")

        assert asyncio.get_running_loop().time() - started >= 0.19


async def test_a_close_connection_rate_of_one_drops_every_connection() -> None:
    async with receiver(close_connection_rate=1.0) as client:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await post(client, "a")

        assert (await stats(client))["dropped"] == 1


async def test_redirect_to_answers_every_request_307_to_that_location() -> None:
    async with receiver(redirect_to="http://127.0.0.1:9/stolen") as client:
        response = await client.post(
            "/webhook", json=MESSAGE, headers={"Idempotency-Key": "a"}, allow_redirects=False
        )

        assert response.status == 307
        assert response.headers["Location"] == "http://127.0.0.1:9/stolen"
        assert (await stats(client))["failed"] == 1


async def test_messageless_answers_202_without_a_message_id() -> None:
    async with receiver(messageless=True) as client:
        response = await post(client, "a")

        assert response.status == 202
        assert await response.json() == {"message": "Accepted"}


async def test_non_json_answers_202_with_a_text_body() -> None:
    async with receiver(non_json=True) as client:
        response = await post(client, "a")

        assert response.status == 202
        assert await response.text() == "Accepted"


@pytest.mark.parametrize(
    "options",
    [
        {"failure_rate": 1.5},
        {"close_connection_rate": -0.1},
        {"fail_status": 700},
        {"latency_seconds": -1},
    ],
)
def test_invalid_options_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"must|out of range"):
        FakeReceiverOptions(**options)


async def test_the_app_exposes_its_stats() -> None:
    app = build_fake_receiver_app(FakeReceiverOptions())
    async with TestClient(TestServer(app)) as client:
        await post(client, "a")

    assert app[FAKE_RECEIVER_STATS].requests == 1


async def test_run_receiver_serves_until_cancelled_and_returns_the_stats() -> None:
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run_fake_receiver("127.0.0.1", 0, on_ready=ready.set_result))
    base_url = await asyncio.wait_for(ready, 5)
    async with aiohttp.ClientSession() as session:
        for key in ["a", "a"]:
            async with session.post(
                f"{base_url}/webhook", json=MESSAGE, headers={"Idempotency-Key": key}
            ) as response:
                assert response.status == 202

    task.cancel()
    received = await task

    assert (received.requests, received.unique, received.duplicates) == (2, 1, 1)


async def test_control_starts_and_ends_an_outage_and_arrivals_are_timestamped() -> None:
    async with receiver() as client:
        assert (await client.post("/control", json={"alwaysStatus": 503})).status == 200
        down = await post(client, "k1")
        assert (await client.post("/control", json={"alwaysStatus": None})).status == 200
        up = await post(client, "k1")
        refused = await client.post("/control", json={"alwaysStatus": 42})
        arrivals = await (await client.get("/arrivals")).json()

    assert (down.status, up.status, refused.status) == (503, 202, 422)
    assert len(arrivals) == 2
    assert arrivals[0] <= arrivals[1]
