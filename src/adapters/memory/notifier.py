from __future__ import annotations

from insider_core.ports import AlertNotifier
from insider_core.values import Alert, ReceiverAlert


class RecordingAlertNotifier(AlertNotifier):
    def __init__(self) -> None:
        self.alerts: list[Alert | ReceiverAlert] = []

    async def notify(self, alert: Alert | ReceiverAlert) -> None:
        self.alerts.append(alert)
