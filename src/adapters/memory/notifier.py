from __future__ import annotations

from insider_core.errors import AlertNotDelivered
from insider_core.ports import AlertNotifier
from insider_core.values import Alert, ReceiverAlert


class RecordingAlertNotifier(AlertNotifier):
    """Keeps every alert it delivers; while `available` is False it refuses each one with
    AlertNotDelivered, as an unreachable alert webhook does."""

    def __init__(self) -> None:
        self.alerts: list[Alert | ReceiverAlert] = []
        self.available = True

    async def notify(self, alert: Alert | ReceiverAlert) -> None:
        if not self.available:
            raise AlertNotDelivered("in-memory alert webhook switched off")
        self.alerts.append(alert)
