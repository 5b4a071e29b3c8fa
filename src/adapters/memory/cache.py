from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from insider_core.errors import CacheUnavailable
from insider_core.ports import Clock, SentCache
from insider_core.values import CachedSend

DAY = timedelta(hours=24)


class InMemorySentCache(SentCache):
    """The embedded default cache: entries expire after the TTL, as read from the Clock."""

    def __init__(self, clock: Clock, ttl: timedelta = DAY) -> None:
        self.clock = clock
        self.ttl = ttl
        self._entries: dict[int, tuple[CachedSend, datetime]] = {}
        self.available = True

    async def put_many(self, entries: Sequence[CachedSend]) -> None:
        self._check()
        expires_at = self.clock.now() + self.ttl
        for entry in entries:
            self._entries[entry.id] = (entry, expires_at)

    async def get_all(self) -> Mapping[int, CachedSend]:
        self._check()
        now = self.clock.now()
        self._entries = {k: v for k, v in self._entries.items() if v[1] > now}
        return {k: entry for k, (entry, _) in self._entries.items()}

    async def ping(self) -> bool:
        return self.available

    def _check(self) -> None:
        if not self.available:
            raise CacheUnavailable("in-memory cache switched off")
