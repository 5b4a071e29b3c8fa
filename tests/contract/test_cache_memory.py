from __future__ import annotations

import pytest

from adapters.memory import InMemorySentCache, ManualClock
from contract.cache_contract import Elapse, Held, SentCacheContract
from insider_core import SentCache


class TestInMemorySentCache(SentCacheContract):
    @pytest.fixture
    def clock(self) -> ManualClock:
        return ManualClock()

    @pytest.fixture
    def memory_cache(self, clock: ManualClock) -> InMemorySentCache:
        return InMemorySentCache(clock)

    @pytest.fixture
    def cache(self, memory_cache: InMemorySentCache) -> SentCache:
        return memory_cache

    @pytest.fixture
    def held(self, memory_cache: InMemorySentCache) -> Held:
        async def count() -> int:
            return len(memory_cache)

        return count

    @pytest.fixture
    def elapse(self, clock: ManualClock) -> Elapse:
        async def advance(seconds: float) -> None:
            clock.advance(seconds)

        return advance

    @pytest.fixture
    def unavailable_cache(self, clock: ManualClock) -> SentCache:
        cache = InMemorySentCache(clock)
        cache.available = False
        return cache
