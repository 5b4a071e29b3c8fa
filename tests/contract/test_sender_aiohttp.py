from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from adapters.http import AiohttpWebhookSender, create_client_session
from adapters.http.retry_after import parse_retry_after
from contract.sender_contract import (
    AUTH_KEY,
    SIGNING_SECRET,
    MakeSender,
    MessageSenderContract,
    make_message,
)
from contract.webhook_server import ScriptedWebhook
from insider_core import MessageSender

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    session = create_client_session(concurrency=4, timeout_seconds=5)
    yield session
    await session.close()


class TestAiohttpWebhookSender(MessageSenderContract):
    @pytest.fixture
    def make_sender(self, session: aiohttp.ClientSession) -> MakeSender:
        def make(url: str, *, timeout_seconds: float = 5.0) -> MessageSender:
            return AiohttpWebhookSender(
                session,
                url,
                auth_key=AUTH_KEY,
                signing_secret=SIGNING_SECRET,
                timeout_seconds=timeout_seconds,
            )

        return make


async def test_without_a_secret_or_auth_key_no_signature_or_auth_header_is_sent(
    session: aiohttp.ClientSession,
) -> None:
    webhook = ScriptedWebhook()
    await webhook.server.start_server()
    try:
        sender = AiohttpWebhookSender(session, webhook.url)
        outcome = await sender.send(make_message(), "Hello")
    finally:
        await webhook.server.close()

    headers = webhook.received[0].headers
    assert outcome.accepted
    assert "Idempotency-Key" in headers
    assert not {"x-ins-auth-key", "webhook-id", "webhook-signature"} & set(headers)


def test_a_secret_that_is_not_base64_is_refused_at_construction(
    session: aiohttp.ClientSession,
) -> None:
    with pytest.raises(ValueError, match="base64"):
        AiohttpWebhookSender(session, "http://127.0.0.1/", signing_secret="whsec_a")


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 30 ", 30.0),
        ("0", 0.0),
        ("-5", 0.0),
        ("Thu, 01 Jan 2026 12:01:30 GMT", 90.0),
        ("Thu, 01 Jan 2026 11:00:00 GMT", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(
    header: str | None, seconds: float | None
) -> None:
    assert parse_retry_after(header, NOW) == seconds
