"""How many wrong keys one client address may try. After FAILURES_ALLOWED failures within
WINDOW, every attempt from that address is refused with 429 until the window ends, a right
key too: otherwise a guesser would still learn which guess was right.

The dashboard's sign-ins are counted in the store, so the limit holds across every instance
sharing it; the API's wrong keys are counted in the process (a check on every API request
must not cost a round trip to the database), so N instances allow N times as many."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from litestar import Request

from insider_core import SharedRecords

FAILURES_ALLOWED = 10
WINDOW = timedelta(minutes=1)
LOCAL_ADDRESSES_KEPT = 10_000


class TooManyAttempts(Exception):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"Too many failed attempts; try again in {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


class Tally(NamedTuple):
    """The failures of one address in the window that began with its first one."""

    failures: int
    window_ends: datetime

    def retry_after(self, now: datetime, allowed: int = FAILURES_ALLOWED) -> int | None:
        """Seconds to wait, or None while the address may still try."""
        if self.failures < allowed or now >= self.window_ends:
            return None
        return max(1, math.ceil((self.window_ends - now).total_seconds()))

    def after_failure(self, now: datetime) -> Tally:
        if now >= self.window_ends:
            return Tally(1, now + WINDOW)
        return Tally(self.failures + 1, self.window_ends)

    def text(self) -> str:
        return f"{self.failures} {self.window_ends.isoformat()}"

    @classmethod
    def parse(cls, text: str | None, now: datetime) -> Tally:
        failures, _, ends = (text or "").partition(" ")
        try:
            return cls(int(failures), datetime.fromisoformat(ends))
        except ValueError:
            return cls(0, now)


def client_address(request: Request[Any, Any, Any]) -> str:
    """The peer, or the client a trusted proxy names (uvicorn's --proxy-headers)."""
    return request.client.host if request.client else "unknown"


def refuse_when_blocked(tally: Tally, now: datetime, allowed: int = FAILURES_ALLOWED) -> None:
    if (seconds := tally.retry_after(now, allowed)) is not None:
        raise TooManyAttempts(seconds)


class LocalAttempts:
    """The API's failures, held by this process for at most LOCAL_ADDRESSES_KEPT addresses."""

    def __init__(self, allowed: int = FAILURES_ALLOWED) -> None:
        self.allowed = allowed
        self._tallies: dict[str, Tally] = {}

    def check(self, address: str, now: datetime) -> None:
        if (tally := self._tallies.get(address)) is not None:
            refuse_when_blocked(tally, now, self.allowed)

    def failed(self, address: str, now: datetime) -> None:
        tally = self._tallies.pop(address, None) or Tally(0, now)
        if len(self._tallies) >= LOCAL_ADDRESSES_KEPT:
            self._tallies = {a: t for a, t in self._tallies.items() if now < t.window_ends}
            while len(self._tallies) >= LOCAL_ADDRESSES_KEPT:
                del self._tallies[next(iter(self._tallies))]  # the oldest goes
        self._tallies[address] = tally.after_failure(now)


class CountFailure:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def apply(self, current: str | None) -> tuple[None, str | None, datetime | None]:
        tally = Tally.parse(current, self.now).after_failure(self.now)
        return None, tally.text(), tally.window_ends


class SharedAttempts:
    """Failures counted in the store, under one record per address and `purpose`."""

    def __init__(self, records: SharedRecords, purpose: str) -> None:
        self.records = records
        self.prefix = f"{purpose}:failures:"

    async def check(self, address: str, now: datetime) -> None:
        current = await self.records.read_record(self.prefix + address, now)
        refuse_when_blocked(Tally.parse(current, now), now)

    async def failed(self, address: str, now: datetime) -> None:
        await self.records.change_record(self.prefix + address, CountFailure(now), now)
