"""Wrong API keys are limited per client address: the keys cannot be guessed at speed."""

from __future__ import annotations

import pytest

from adapters.memory import ManualClock
from conftest import MESSAGES_AUTH, Client
from entrypoints.web import attempt_limit
from entrypoints.web.attempt_limit import FAILURES_ALLOWED, WINDOW

WRONG = {"x-ins-auth-key": "a-guess"}


async def test_after_too_many_wrong_keys_even_the_right_one_waits_until_the_window_ends(
    client: Client, clock: ManualClock
) -> None:
    for _ in range(FAILURES_ALLOWED):
        assert (await client.get("/api/v1/messages/stats", headers=WRONG)).status_code == 401

    refused = await client.get("/api/v1/messages/stats", headers=MESSAGES_AUTH)

    assert refused.status_code == 429
    assert refused.json()["success"] is False
    retry_after = int(refused.headers["retry-after"])
    assert retry_after >= 1
    assert retry_after <= WINDOW.total_seconds()
    assert (await client.post("/api/v1/scheduler/stop", headers=WRONG)).status_code == 429
    clock.advance(WINDOW.total_seconds())
    assert (await client.get("/api/v1/messages/stats", headers=MESSAGES_AUTH)).status_code == 200


async def test_requests_without_a_key_are_refused_but_not_counted_as_guesses(
    client: Client,
) -> None:
    for _ in range(FAILURES_ALLOWED * 2):
        assert (await client.get("/api/v1/messages/stats")).status_code == 401

    assert (await client.get("/api/v1/messages/stats", headers=MESSAGES_AUTH)).status_code == 200


async def test_fewer_wrong_keys_than_the_limit_change_nothing(client: Client) -> None:
    for _ in range(FAILURES_ALLOWED - 1):
        await client.get("/api/v1/messages/stats", headers=WRONG)

    assert (await client.get("/api/v1/messages/stats", headers=MESSAGES_AUTH)).status_code == 200


def test_the_process_keeps_a_bounded_number_of_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(attempt_limit, "LOCAL_ADDRESSES_KEPT", 100)
    attempts, clock = attempt_limit.LocalAttempts(), ManualClock()

    for n in range(1_000):
        attempts.failed(f"192.0.2.{n}", clock.now())

    assert len(attempts._tallies) <= 100
