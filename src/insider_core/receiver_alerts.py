"""Tells the alert webhook when the circuit breaker opens (the receiver looks down) and when it
closes again."""

from __future__ import annotations

import asyncio
import logging

from insider_core.breaker import BreakerState, ReceiverStatus
from insider_core.ports import AlertNotifier, Clock
from insider_core.values import ReceiverAlert

log = logging.getLogger(__name__)


class ReceiverAlerts:
    """A breaker listener; each alert is sent in a task of its own, so a slow alert webhook
    never holds up sending."""

    def __init__(self, notifier: AlertNotifier | None, clock: Clock) -> None:
        self.notifier = notifier
        self.clock = clock
        self._sending: set[asyncio.Task[None]] = set()

    def __call__(self, status: ReceiverStatus) -> None:
        if self.notifier is None:
            return
        task = asyncio.get_running_loop().create_task(self._send(self.alert(status)))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    def alert(self, status: ReceiverStatus) -> ReceiverAlert:
        if status.state is BreakerState.CLOSED:
            return ReceiverAlert(
                alert="receiver_up",
                state=status.state.value,
                since=status.since,
                reason=None,
                timestamp=self.clock.now(),
                message="The webhook receiver answers again; sending resumed",
            )
        return ReceiverAlert(
            alert="receiver_down",
            state=status.state.value,
            since=status.since,
            reason=status.reason,
            timestamp=self.clock.now(),
            message="The webhook receiver looks down; sending is paused and probed "
            f"({status.reason})",
        )

    async def _send(self, alert: ReceiverAlert) -> None:
        assert self.notifier is not None
        try:
            await self.notifier.notify(alert)
        except Exception:
            log.exception("alert could not be delivered")
