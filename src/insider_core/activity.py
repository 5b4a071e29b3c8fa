"""The cluster's delivery activity over the last minutes. It is read from the attempt log that
every process sharing the store writes to, so it is the whole cluster's, not one process's."""

from __future__ import annotations

from datetime import timedelta

from insider_core.ports import Clock, MessageRepository
from insider_core.values import AttemptsInMinute

MINUTE = timedelta(minutes=1)


class DeliveryActivity:
    def __init__(self, repository: MessageRepository, clock: Clock) -> None:
        self.repository = repository
        self.clock = clock

    async def last_minutes(self, minutes: int) -> list[AttemptsInMinute]:
        """One entry per UTC minute, oldest first, the current (unfinished) minute last; a
        minute without attempts counts zero."""
        if minutes < 1:
            raise ValueError("minutes must be at least 1")
        current = self.clock.now().replace(second=0, microsecond=0)
        first = current - (minutes - 1) * MINUTE
        counted = {
            entry.minute: entry for entry in await self.repository.attempts_per_minute(first)
        }
        window = (first + index * MINUTE for index in range(minutes))
        return [counted.get(minute, AttemptsInMinute(minute=minute)) for minute in window]
