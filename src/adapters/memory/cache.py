from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import islice

from sortedcontainers import SortedDict

from insider_core.errors import CacheUnavailable
from insider_core.ports import Clock, SentCache
from insider_core.values import CachedPage, CachedSend

DAY = timedelta(hours=24)


class InMemorySentCache(SentCache):
    """The embedded default cache: entries expire after the TTL, as read from the Clock.

    Every entry lives for the same TTL, so the order of the writes is the order of expiry:
    each write first drops the expired entries from the front of that order, and the cache
    never holds more than one TTL's worth of writes, whether or not it is ever read."""

    def __init__(self, clock: Clock, ttl: timedelta = DAY) -> None:
        self.clock = clock
        self.ttl = ttl
        self._entries: SortedDict[int, CachedSend] = SortedDict()
        self._expiry: OrderedDict[int, datetime] = OrderedDict()
        self.available = True

    def __len__(self) -> int:
        """How many entries are held (an expired one until the next write or read drops it)."""
        return len(self._entries)

    async def put_many(self, entries: Sequence[CachedSend]) -> None:
        self._check()
        now = self.clock.now()
        self._drop_expired(now)
        expires_at = now + self.ttl
        for entry in entries:
            self._entries[entry.id] = entry
            self._expiry[entry.id] = expires_at
            self._expiry.move_to_end(entry.id)

    async def get_page(self, after: int, limit: int) -> CachedPage:
        self._check()
        self._drop_expired(self.clock.now())
        ids = list(islice(self._entries.irange(minimum=after, inclusive=(False, True)), limit + 1))
        following = ids[limit - 1] if len(ids) > limit else None
        return CachedPage(entries=[self._entries[i] for i in ids[:limit]], next_after=following)

    async def ping(self) -> bool:
        return self.available

    def _drop_expired(self, now: datetime) -> None:
        """Amortised O(1) a write: each entry is dropped once, from the front."""
        while self._expiry:
            message_id, expires_at = self._expiry.popitem(last=False)
            if expires_at > now:
                self._expiry[message_id] = expires_at
                self._expiry.move_to_end(message_id, last=False)
                return
            del self._entries[message_id]

    def _check(self) -> None:
        if not self.available:
            raise CacheUnavailable("in-memory cache switched off")
