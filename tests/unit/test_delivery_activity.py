"""The cluster's delivery activity per minute, as the dashboard's chart reads it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory import InMemoryMessageRepository, ManualClock
from insider_core import AttemptsInMinute, DeliveryActivity

NOW = datetime(2026, 1, 1, 12, 30, 42, 500_000, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


class CountedStore(InMemoryMessageRepository):
    """A store whose attempt log counts as given, and remembers what it was asked."""

    def __init__(self, counted: list[AttemptsInMinute]) -> None:
        super().__init__()
        self.counted = counted
        self.asked_since: list[datetime] = []

    async def attempts_per_minute(self, since: datetime) -> list[AttemptsInMinute]:
        self.asked_since.append(since)
        return [entry for entry in self.counted if entry.minute >= since]


async def test_every_minute_of_the_window_is_there_oldest_first_the_current_one_last() -> None:
    store = CountedStore([])

    minutes = await DeliveryActivity(store, ManualClock(NOW)).last_minutes(15)

    current = NOW.replace(second=0, microsecond=0)
    assert [m.minute for m in minutes] == [current - n * MINUTE for n in range(14, -1, -1)]
    assert store.asked_since == [current - 14 * MINUTE]


async def test_a_minute_without_attempts_counts_zero_and_the_others_keep_their_counts() -> None:
    current = NOW.replace(second=0, microsecond=0)
    busy = AttemptsInMinute(minute=current - 2 * MINUTE, accepted=40, failed=2)
    store = CountedStore([busy, AttemptsInMinute(minute=current, accepted=1)])

    minutes = await DeliveryActivity(store, ManualClock(NOW)).last_minutes(3)

    assert minutes == [busy, AttemptsInMinute(minute=current - MINUTE), minutes[-1]]
    assert minutes[-1].accepted == 1
    assert [m.total for m in minutes] == [42, 0, 1]


async def test_a_window_of_no_minutes_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        await DeliveryActivity(CountedStore([]), ManualClock(NOW)).last_minutes(0)
