from __future__ import annotations

import aiohttp
import msgspec

from adapters.http.redirects import redirect_target
from adapters.http.sender import BODY_READ_LIMIT
from insider_core.errors import AlertNotDelivered
from insider_core.outcome import refused_redirect
from insider_core.ports import AlertNotifier
from insider_core.text import storable, utc_timestamp
from insider_core.values import Alert, ReceiverAlert

SNIPPET_LENGTH = 200


class AlertPayload(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    alert: str
    run_number: int
    consecutive_failures: int
    messages_in_batch: int
    timestamp: str
    message: str

    @classmethod
    def of(cls, alert: Alert) -> AlertPayload:
        return cls(
            alert=alert.alert,
            run_number=alert.run_number,
            consecutive_failures=alert.consecutive_failures,
            messages_in_batch=alert.messages_in_batch,
            timestamp=utc_timestamp(alert.timestamp),
            message=alert.message,
        )


class ReceiverAlertPayload(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    alert: str
    state: str
    since: str | None
    reason: str | None
    timestamp: str
    message: str

    @classmethod
    def of(cls, alert: ReceiverAlert) -> ReceiverAlertPayload:
        return cls(
            alert=alert.alert,
            state=alert.state,
            since=None if alert.since is None else utc_timestamp(alert.since),
            reason=alert.reason,
            timestamp=utc_timestamp(alert.timestamp),
            message=alert.message,
        )


class AiohttpAlertNotifier(AlertNotifier):
    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url

    async def notify(self, alert: Alert | ReceiverAlert) -> None:
        """POSTs the alert; raises AlertNotDelivered unless the webhook answers 2xx. A
        redirect is refused, never followed."""
        payload = (
            AlertPayload.of(alert) if isinstance(alert, Alert) else ReceiverAlertPayload.of(alert)
        )
        body = msgspec.json.encode(payload)
        headers = {"Content-Type": "application/json"}
        try:
            async with self.session.post(
                self.url, data=body, headers=headers, allow_redirects=False
            ) as response:
                if not 200 <= response.status < 300:
                    raise await _refused(response)
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            reason = str(error) or type(error).__name__
            raise AlertNotDelivered(f"alert webhook unreachable: {reason}") from error


async def _refused(response: aiohttp.ClientResponse) -> AlertNotDelivered:
    location = redirect_target(response)
    if location is not None:
        refusal = refused_redirect(location, "ALERT_WEBHOOK_URL")
        return AlertNotDelivered(f"alert webhook answered HTTP {response.status}: {refusal}")
    raw = await response.content.read(BODY_READ_LIMIT)
    text = storable(" ".join(raw.decode(errors="replace").split()), SNIPPET_LENGTH)
    return AlertNotDelivered(f"alert webhook answered HTTP {response.status}: {text}")
