"""Chaos testing of the dead-letter queue: a sender that fails messages on purpose."""

from __future__ import annotations

from random import Random

from insider_core.message import Message
from insider_core.outcome import ErrorKind, SendOutcome
from insider_core.ports import MessageSender


class FailureInjection(MessageSender):
    """Fails each message with probability `rate`, without calling the webhook; sends the
    others through `sender`. The scheduler sets the rate of the run it starts (failureRate)."""

    def __init__(self, sender: MessageSender, rng: Random | None = None) -> None:
        self.sender = sender
        self.rng = rng or Random()
        self.rate = 0.0

    async def send(self, message: Message, content: str) -> SendOutcome:
        if self.rate > 0 and self.rng.random() < self.rate:
            return SendOutcome.failure(
                ErrorKind.INJECTED, f"failure injected on purpose (failureRate={self.rate:g})"
            )
        return await self.sender.send(message, content)
