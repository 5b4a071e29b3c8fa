from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import msgspec
import pytest

from adapters.http import AiohttpAlertNotifier, create_client_session
from contract.webhook_server import ScriptedWebhook, answer, closed_port_url
from insider_core import Alert, AlertNotDelivered, ReceiverAlert

ALERT = Alert(
    alert="consecutive_all_fail",
    run_number=12,
    consecutive_failures=3,
    messages_in_batch=2,
    timestamp=datetime(2026, 2, 3, 4, 5, 6, 789, tzinfo=UTC),
    message="Every message failed in 3 consecutive runs",
)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    session = create_client_session(timeout_seconds=5)
    yield session
    await session.close()


@pytest.fixture
async def webhook() -> AsyncIterator[ScriptedWebhook]:
    webhook = ScriptedWebhook()
    webhook.reply = answer(200, {"ok": True})
    await webhook.server.start_server()
    yield webhook
    await webhook.server.close()


async def test_an_alert_is_posted_as_camel_case_json(
    session: aiohttp.ClientSession, webhook: ScriptedWebhook
) -> None:
    await AiohttpAlertNotifier(session, webhook.url).notify(ALERT)

    request = webhook.received[0]
    assert request.headers["Content-Type"] == "application/json"
    assert msgspec.json.decode(request.body) == {
        "alert": "consecutive_all_fail",
        "runNumber": 12,
        "consecutiveFailures": 3,
        "messagesInBatch": 2,
        "timestamp": "2026-02-03T04:05:06.000789Z",
        "message": "Every message failed in 3 consecutive runs",
    }


async def test_a_receiver_alert_is_posted_with_the_breaker_state(
    session: aiohttp.ClientSession, webhook: ScriptedWebhook
) -> None:
    alert = ReceiverAlert(
        alert="receiver_down",
        state="open",
        since=datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC),
        reason="5 of the last 5 sends failed: HTTP 503",
        timestamp=datetime(2026, 2, 3, 4, 5, 7, tzinfo=UTC),
        message="The webhook receiver looks down",
    )

    await AiohttpAlertNotifier(session, webhook.url).notify(alert)

    assert msgspec.json.decode(webhook.received[0].body) == {
        "alert": "receiver_down",
        "state": "open",
        "since": "2026-02-03T04:05:06.000000Z",
        "reason": "5 of the last 5 sends failed: HTTP 503",
        "timestamp": "2026-02-03T04:05:07.000000Z",
        "message": "The webhook receiver looks down",
    }


@pytest.mark.parametrize("status", [200, 202, 204])
async def test_any_2xx_answer_delivers_the_alert(
    session: aiohttp.ClientSession, webhook: ScriptedWebhook, status: int
) -> None:
    webhook.reply = answer(status, text="")

    await AiohttpAlertNotifier(session, webhook.url).notify(ALERT)

    assert len(webhook.received) == 1


@pytest.mark.parametrize("status", [400, 500, 301])
async def test_an_alert_refused_by_the_webhook_raises_with_the_status(
    session: aiohttp.ClientSession, webhook: ScriptedWebhook, status: int
) -> None:
    webhook.reply = answer(status, text="nope")

    with pytest.raises(AlertNotDelivered, match=f"HTTP {status}: nope"):
        await AiohttpAlertNotifier(session, webhook.url).notify(ALERT)


async def test_an_unreachable_alert_webhook_raises(session: aiohttp.ClientSession) -> None:
    with pytest.raises(AlertNotDelivered, match="unreachable"):
        await AiohttpAlertNotifier(session, closed_port_url()).notify(ALERT)


@pytest.mark.parametrize("status", [302, 307, 308])
async def test_a_redirect_is_refused_and_the_other_address_receives_nothing(
    session: aiohttp.ClientSession, webhook: ScriptedWebhook, status: int
) -> None:
    other = ScriptedWebhook()
    await other.server.start_server()
    try:
        stolen = other.url.replace("/webhook", "/stolen")
        webhook.reply = answer(status, text="", headers={"Location": stolen})

        with pytest.raises(AlertNotDelivered) as refused:
            await AiohttpAlertNotifier(session, webhook.url).notify(ALERT)
    finally:
        await other.server.close()

    assert other.received == []
    assert str(refused.value) == (
        f"alert webhook answered HTTP {status}: redirect to {stolen} refused; "
        "set ALERT_WEBHOOK_URL to the final address"
    )


async def test_only_the_start_of_a_refusing_answer_is_kept(
    session: aiohttp.ClientSession, webhook: ScriptedWebhook
) -> None:
    webhook.reply = answer(500, text="overloaded " + "x" * 1_000_000)

    with pytest.raises(AlertNotDelivered) as refused:
        await AiohttpAlertNotifier(session, webhook.url).notify(ALERT)

    assert str(refused.value).startswith("alert webhook answered HTTP 500: overloaded x")
    assert len(str(refused.value)) < 300
