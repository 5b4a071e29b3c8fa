from __future__ import annotations

import time

import aiohttp
import msgspec

from adapters.http.redirects import redirect_target
from adapters.http.retry_after import parse_retry_after
from adapters.http.signing import WebhookSigner
from insider_core.clock import SystemClock
from insider_core.message import UNSENDABLE_KEY, Message, fits_in_a_header
from insider_core.outcome import ACCEPTED, ErrorKind, SendOutcome
from insider_core.ports import Clock, MessageSender
from insider_core.text import shorten

BODY_READ_LIMIT = 64 * 1024
SNIPPET_LENGTH = 200


class WebhookRequest(msgspec.Struct, frozen=True):
    to: str
    content: str


class WebhookReply(msgspec.Struct):
    receipt_id: str | int | None = msgspec.field(default=None, name="messageId")


class AiohttpWebhookSender(MessageSender):
    """POSTs `{"to", "content"}` to the webhook; every failure becomes an outcome, never raised.
    A redirect is refused, never followed. Of the answer, at most BODY_READ_LIMIT bytes are
    read: the messageId of a 202, or the first SNIPPET_LENGTH characters of any other."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        auth_key: str | None = None,
        signing_secret: str | None = None,
        timeout_seconds: float = 30,
        clock: Clock | None = None,
    ) -> None:
        self.session = session
        self.url = url
        self.auth_key = auth_key
        self.signer = WebhookSigner(signing_secret) if signing_secret else None
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.clock = clock or SystemClock()

    async def send(self, message: Message, content: str) -> SendOutcome:
        if not fits_in_a_header(message.idempotency_key):
            return SendOutcome.failure(ErrorKind.UNSENDABLE, UNSENDABLE_KEY)
        body = msgspec.json.encode(WebhookRequest(to=message.phone_number, content=content))
        headers = self.headers_for(message, body)
        started = time.perf_counter()
        try:
            # Never redirected: the auth key and the signature stay with the configured URL.
            async with self.session.post(
                self.url, data=body, headers=headers, timeout=self.timeout, allow_redirects=False
            ) as response:
                raw = await _read_body(response)
                elapsed = time.perf_counter() - started
                return self._classify(response, raw, elapsed)
        except TimeoutError:
            limit = self.timeout.total
            return _failure(ErrorKind.TIMEOUT, f"webhook timed out after {limit:g} s", started)
        except aiohttp.ClientConnectorError as error:
            return _failure(ErrorKind.CONNECTION, f"cannot connect to webhook: {error}", started)
        except (aiohttp.ClientError, OSError) as error:
            reason = str(error) or type(error).__name__
            return _failure(ErrorKind.CONNECTION, f"webhook connection failed: {reason}", started)

    def headers_for(self, message: Message, body: bytes) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": message.idempotency_key,
        }
        if self.auth_key:
            headers["x-ins-auth-key"] = self.auth_key
        if self.signer is not None:
            # The idempotency key as webhook-id: every retry of a message carries the same id.
            headers.update(self.signer.headers(message.idempotency_key, self.clock.now(), body))
        return headers

    def _classify(
        self, response: aiohttp.ClientResponse, raw: bytes, elapsed: float
    ) -> SendOutcome:
        if response.status == ACCEPTED:
            return SendOutcome.http(ACCEPTED, receipt_id=_receipt_id(raw), duration_seconds=elapsed)
        location = redirect_target(response)
        if location is not None:
            return SendOutcome.redirect(response.status, location, duration_seconds=elapsed)
        return SendOutcome.http(
            response.status,
            body=_snippet(raw),
            duration_seconds=elapsed,
            retry_after_seconds=parse_retry_after(
                response.headers.get("Retry-After"), self.clock.now()
            ),
        )


def _receipt_id(raw: bytes) -> str | None:
    try:
        reply = msgspec.json.decode(raw, type=WebhookReply)
    except msgspec.DecodeError:
        return None
    if reply.receipt_id is None or reply.receipt_id == "":
        return None
    return str(reply.receipt_id)


async def _read_body(response: aiohttp.ClientResponse) -> bytes:
    """The start of the body. Once the status has arrived it decides the outcome, so a body
    cut short (a reset after a 202) must not turn an accepted message into a failed one."""
    try:
        return await response.content.read(BODY_READ_LIMIT)
    except (TimeoutError, aiohttp.ClientError, OSError):
        return b""


def _snippet(raw: bytes) -> str | None:
    return shorten(" ".join(raw.decode(errors="replace").split()), SNIPPET_LENGTH) or None


def _failure(kind: ErrorKind, error: str, started: float) -> SendOutcome:
    return SendOutcome.failure(kind, error, duration_seconds=time.perf_counter() - started)
