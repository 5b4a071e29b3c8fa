"""The behaviour every webhook MessageSender promises, played against a real local server.
Subclass `MessageSenderContract` and provide `make_sender(url, timeout_seconds=...)`, built with
AUTH_KEY and SIGNING_SECRET."""

from __future__ import annotations

import base64
import email.utils
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from standardwebhooks import Webhook

from contract.webhook_server import (
    Reply,
    ScriptedWebhook,
    after,
    answer,
    closed_port_url,
    hang_up,
    reset,
)
from insider_core import ErrorKind, Message, MessageSender, MessageStatus
from insider_core.message import UNSENDABLE_KEY

MakeSender = Callable[..., MessageSender]
AUTH_KEY = "test-auth-key"
SIGNING_SECRET = "whsec_" + base64.b64encode(b"a signing secret of 32 bytes!!!!").decode()
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def make_message(message_id: int = 1, key: str = "5f0c7f9e-6c1d-4a39-9d2a-0e6c1b7f4a11") -> Message:
    return Message(
        id=message_id,
        content="Hello",
        phone_number="+905551111111",
        status=MessageStatus.SENDING,
        idempotency_key=key,
        created_at=CREATED,
        updated_at=CREATED,
        next_attempt_at=CREATED,
        attempts=1,
    )


class MessageSenderContract:
    @pytest.fixture
    def make_sender(self) -> MakeSender:
        raise NotImplementedError

    @pytest.fixture
    async def webhook(self) -> AsyncIterator[ScriptedWebhook]:
        webhook = ScriptedWebhook()
        await webhook.server.start_server()
        yield webhook
        await webhook.server.close()

    @pytest.fixture
    async def other_server(self) -> AsyncIterator[ScriptedWebhook]:
        """A second address on this host, where a redirect might point."""
        other = ScriptedWebhook()
        await other.server.start_server()
        yield other
        await other.server.close()

    @pytest.fixture
    def sender(self, make_sender: MakeSender, webhook: ScriptedWebhook) -> MessageSender:
        return make_sender(webhook.url)

    async def test_a_202_with_a_message_id_is_accepted(
        self, sender: MessageSender, webhook: ScriptedWebhook
    ) -> None:
        webhook.reply = answer(202, {"message": "Accepted", "messageId": "wh-42"})

        outcome = await sender.send(make_message(), "Hello")

        assert outcome.accepted
        assert not outcome.retryable
        assert (outcome.http_status, outcome.receipt_id, outcome.error) == (202, "wh-42", None)
        assert outcome.duration_seconds > 0

    async def test_the_request_carries_the_recipient_and_the_content_as_json(
        self, sender: MessageSender, webhook: ScriptedWebhook
    ) -> None:
        await sender.send(make_message(), "Hello, cut...")

        request = webhook.received[0]
        assert request.path == "/webhook"
        assert request.headers["Content-Type"] == "application/json"
        assert msgspec.json.decode(request.body) == {
            "to": "+905551111111",
            "content": "Hello, cut...",
        }

    async def test_the_request_carries_the_auth_key_and_the_idempotency_key(
        self, sender: MessageSender, webhook: ScriptedWebhook
    ) -> None:
        message = make_message()

        await sender.send(message, "Hello")

        headers = webhook.received[0].headers
        assert headers["x-ins-auth-key"] == AUTH_KEY
        assert headers["Idempotency-Key"] == message.idempotency_key

    async def test_every_retry_of_a_message_carries_the_same_keys(
        self, sender: MessageSender, webhook: ScriptedWebhook
    ) -> None:
        message = make_message()

        await sender.send(message, "Hello")
        await sender.send(message, "Hello")

        first, second = (request.headers for request in webhook.received)
        assert first["Idempotency-Key"] == second["Idempotency-Key"] == message.idempotency_key
        assert first["webhook-id"] == second["webhook-id"]

    async def test_the_signature_verifies_with_standard_webhooks(
        self, sender: MessageSender, webhook: ScriptedWebhook
    ) -> None:
        await sender.send(make_message(), "Hello")

        request = webhook.received[0]
        payload = Webhook(SIGNING_SECRET).verify(request.body, request.headers)
        assert payload == {"to": "+905551111111", "content": "Hello"}

    @pytest.mark.parametrize(
        "reply",
        [
            answer(202, {"message": "Accepted"}),
            answer(202, {"message": "Accepted", "messageId": ""}),
            answer(202, text="Accepted"),
            answer(202, ["not", "an", "object"]),
        ],
        ids=["no messageId", "empty messageId", "not JSON", "not an object"],
    )
    async def test_a_202_without_a_readable_message_id_is_accepted_with_the_anomaly(
        self, sender: MessageSender, webhook: ScriptedWebhook, reply: Reply
    ) -> None:
        webhook.reply = reply

        outcome = await sender.send(make_message(), "Hello")

        assert outcome.accepted
        assert outcome.receipt_id is None
        assert outcome.error is not None
        assert "messageId" in outcome.error

    @pytest.mark.parametrize(
        ("status", "retryable"),
        [
            (400, False),
            (401, False),
            (404, False),
            (422, False),
            (200, False),
            (204, False),
            (408, True),
            (429, True),
            (500, True),
            (502, True),
            (503, True),
        ],
    )
    async def test_any_other_status_is_a_failure_retried_only_when_it_can_help(
        self, sender: MessageSender, webhook: ScriptedWebhook, status: int, retryable: bool
    ) -> None:
        webhook.reply = answer(status, {"message": "no"})

        outcome = await sender.send(make_message(), "Hello")

        assert not outcome.accepted
        assert outcome.retryable is retryable
        assert outcome.http_status == status
        assert outcome.error_kind is ErrorKind.HTTP_STATUS
        assert outcome.error is not None
        assert outcome.error.startswith(f"HTTP {status}")

    async def test_the_error_quotes_the_start_of_the_response_body(
        self, sender: MessageSender, webhook: ScriptedWebhook
    ) -> None:
        webhook.reply = answer(400, text="invalid phone number " + "x" * 5000)

        outcome = await sender.send(make_message(), "Hello")

        assert outcome.error is not None
        assert "invalid phone number" in outcome.error
        assert len(outcome.error) < 300

    @pytest.mark.parametrize("status", [429, 503])
    async def test_retry_after_in_seconds_is_reported(
        self, sender: MessageSender, webhook: ScriptedWebhook, status: int
    ) -> None:
        webhook.reply = answer(status, {"message": "slow down"}, headers={"Retry-After": "7"})

        outcome = await sender.send(make_message(), "Hello")

        assert outcome.retryable
        assert outcome.retry_after_seconds == 7

    async def test_retry_after_as_an_http_date_is_reported_in_seconds(
        self, sender: MessageSender, webhook: ScriptedWebhook
    ) -> None:
        later = datetime.now(UTC) + timedelta(seconds=120)
        date = email.utils.format_datetime(later, usegmt=True)
        webhook.reply = answer(429, {"message": "slow down"}, headers={"Retry-After": date})

        outcome = await sender.send(make_message(), "Hello")

        assert outcome.retry_after_seconds is not None
        assert 100 <= outcome.retry_after_seconds <= 121

    async def test_a_webhook_slower_than_the_timeout_is_a_retryable_timeout(
        self, make_sender: MakeSender, webhook: ScriptedWebhook
    ) -> None:
        webhook.reply = after(2.0, answer(202, {"messageId": "too-late"}))
        sender = make_sender(webhook.url, timeout_seconds=0.2)

        outcome = await sender.send(make_message(), "Hello")

        assert outcome.error_kind is ErrorKind.TIMEOUT
        assert outcome.retryable
        assert not outcome.accepted
        assert 0.15 <= outcome.duration_seconds < 2.0

    async def test_a_refused_connection_is_a_retryable_connection_error(
        self, make_sender: MakeSender
    ) -> None:
        sender = make_sender(closed_port_url())

        outcome = await sender.send(make_message(), "Hello")

        assert outcome.error_kind is ErrorKind.CONNECTION
        assert outcome.retryable
        assert outcome.http_status is None

    @pytest.mark.parametrize("reply", [hang_up, reset], ids=["disconnected", "reset"])
    async def test_a_dropped_connection_is_a_retryable_connection_error(
        self, sender: MessageSender, webhook: ScriptedWebhook, reply: Reply
    ) -> None:
        webhook.reply = reply

        outcome = await sender.send(make_message(), "Hello")

        assert outcome.error_kind is ErrorKind.CONNECTION
        assert outcome.retryable
        assert outcome.error

    @pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
    async def test_a_redirect_is_refused_and_nothing_leaves_for_the_other_address(
        self,
        sender: MessageSender,
        webhook: ScriptedWebhook,
        other_server: ScriptedWebhook,
        status: int,
    ) -> None:
        stolen = other_server.url.replace("/webhook", "/stolen")
        webhook.reply = answer(status, text="moved", headers={"Location": stolen})

        outcome = await sender.send(make_message(), "Hello")

        assert other_server.received == []
        assert len(webhook.received) == 1
        assert not outcome.accepted
        assert not outcome.retryable
        assert outcome.http_status == status
        assert outcome.error_kind is ErrorKind.REDIRECT
        assert outcome.error == (
            f"redirect to {stolen} refused; set WEBHOOK_URL to the final address"
        )

    async def test_a_relative_redirect_is_quoted_as_the_address_it_names(
        self, sender: MessageSender, webhook: ScriptedWebhook
    ) -> None:
        webhook.reply = answer(302, text="", headers={"Location": "/internal/admin"})

        outcome = await sender.send(make_message(), "Hello")

        assert [request.path for request in webhook.received] == ["/webhook"]
        target = webhook.url.replace("/webhook", "/internal/admin")
        assert (
            outcome.error == f"redirect to {target} refused; set WEBHOOK_URL to the final address"
        )

    @pytest.mark.parametrize("key", ["a\nb", "a\r\nX-Injected: 1", "nul\x00"])
    async def test_a_key_no_header_can_carry_is_refused_without_a_request(
        self, sender: MessageSender, webhook: ScriptedWebhook, key: str
    ) -> None:
        outcome = await sender.send(make_message(key=key), "Hello")

        assert webhook.received == []
        assert outcome.error_kind is ErrorKind.UNSENDABLE
        assert not outcome.retryable
        assert outcome.error == UNSENDABLE_KEY
