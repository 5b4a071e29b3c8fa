from __future__ import annotations

import asyncio
from collections.abc import Callable

from insider_core.message import Message
from insider_core.outcome import ErrorKind, SendOutcome
from insider_core.ports import MessageSender

Script = Callable[[Message], SendOutcome]


def accept(message: Message) -> SendOutcome:
    return SendOutcome.http(202, receipt_id=f"wh-{message.id}-{message.attempts}")


def respond(status: int) -> Script:
    return lambda message: SendOutcome.http(status)


def time_out(message: Message) -> SendOutcome:
    return SendOutcome.failure(ErrorKind.TIMEOUT, "webhook timed out")


class ScriptedSender(MessageSender):
    """A webhook that answers as scripted, and remembers every request it was sent."""

    def __init__(self, script: Script = accept, latency_seconds: float = 0.0) -> None:
        self.script = script
        self.latency_seconds = latency_seconds
        self.sent: list[tuple[Message, str]] = []
        self.in_flight = 0
        self.peak_in_flight = 0

    async def send(self, message: Message, content: str) -> SendOutcome:
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.latency_seconds:
                await asyncio.sleep(self.latency_seconds)
            self.sent.append((message, content))
            return self.script(message)
        finally:
            self.in_flight -= 1

    @property
    def idempotency_keys(self) -> list[str]:
        return [message.idempotency_key for message, _ in self.sent]
