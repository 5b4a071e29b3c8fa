"""Standard Webhooks signatures (https://www.standardwebhooks.com)."""

from __future__ import annotations

import binascii
import math
from datetime import UTC, datetime

from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook


class WebhookSigner:
    """Signs `<id>.<timestamp>.<body>` with HMAC-SHA256; the secret is base64, `whsec_` optional."""

    def __init__(self, secret: str) -> None:
        try:
            self._webhook = Webhook(secret)
        except (binascii.Error, EmptyWebhookSecretError) as error:
            raise ValueError(
                "the webhook signing secret must be base64, optionally prefixed with 'whsec_'"
            ) from error

    def headers(self, webhook_id: str, moment: datetime, body: bytes) -> dict[str, str]:
        moment = moment.astimezone(UTC)
        signature = self._webhook.sign(msg_id=webhook_id, timestamp=moment, data=body.decode())
        return {
            "webhook-id": webhook_id,
            "webhook-timestamp": str(math.floor(moment.timestamp())),
            "webhook-signature": signature,
        }
