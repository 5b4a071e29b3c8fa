from __future__ import annotations

import pytest

from adapters.memory import InMemorySentCache, ManualClock
from contract.cache_contract import Elapse, SentCacheContract
from insider_core import SentCache


class TestInMemorySentCache(SentCacheContract):
    @pytest.fixture
    def clock(self) -> ManualClock:
        return ManualClock()

    @pytest.fixture
    def cache(self, clock: ManualClock) -> SentCache:
        return InMemorySentCache(clock)

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
