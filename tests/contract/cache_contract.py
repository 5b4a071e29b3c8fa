"""The behaviour every SentCache promises. Subclass `SentCacheContract` once per implementation
and provide the fixtures `cache`, `elapse` and `unavailable_cache`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from insider_core import CachedSend, CacheUnavailable, SentCache

Elapse = Callable[[float], Awaitable[None]]
DAY_SECONDS = 24 * 3600
SENT_AT = datetime(2026, 3, 14, 15, 9, 26, 535897, tzinfo=UTC)


def sent(message_id: int, webhook_id: str | None = "wh-1", at: datetime = SENT_AT) -> CachedSend:
    return CachedSend(id=message_id, receipt_id=webhook_id, sent_at=at)


class SentCacheContract:
    @pytest.fixture
    def cache(self) -> SentCache:
        raise NotImplementedError

    @pytest.fixture
    def elapse(self) -> Elapse:
        """Make `seconds` pass, as far as the cache's expiry is concerned."""
        raise NotImplementedError

    @pytest.fixture
    def unavailable_cache(self) -> SentCache:
        """A cache whose backing service cannot be reached."""
        raise NotImplementedError

    async def test_an_empty_cache_lists_nothing(self, cache: SentCache) -> None:
        assert await cache.get_all() == {}

    async def test_a_put_entry_is_listed_with_its_microseconds(self, cache: SentCache) -> None:
        await cache.put_many([sent(7, "wh-7")])

        assert await cache.get_all() == {7: sent(7, "wh-7")}

    async def test_an_entry_without_a_webhook_message_id_keeps_it_null(
        self, cache: SentCache
    ) -> None:
        await cache.put_many([sent(8, None)])

        assert (await cache.get_all())[8].receipt_id is None

    async def test_a_whole_second_keeps_its_time(self, cache: SentCache) -> None:
        whole = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
        await cache.put_many([sent(9, at=whole)])

        assert (await cache.get_all())[9].sent_at == whole

    async def test_put_many_stores_every_entry(self, cache: SentCache) -> None:
        entries = [sent(i, f"wh-{i}", SENT_AT + timedelta(microseconds=i)) for i in range(1, 6)]
        await cache.put_many(entries)

        assert await cache.get_all() == {entry.id: entry for entry in entries}

    async def test_put_many_of_nothing_changes_nothing(self, cache: SentCache) -> None:
        await cache.put_many([])

        assert await cache.get_all() == {}

    async def test_putting_an_id_again_overwrites_it(self, cache: SentCache) -> None:
        await cache.put_many([sent(3, "first")])
        await cache.put_many([sent(3, "second", SENT_AT + timedelta(seconds=1))])

        assert await cache.get_all() == {3: sent(3, "second", SENT_AT + timedelta(seconds=1))}

    async def test_an_entry_lives_for_24_hours(self, cache: SentCache, elapse: Elapse) -> None:
        await cache.put_many([sent(4)])

        await elapse(DAY_SECONDS - 5)

        assert 4 in await cache.get_all()

    async def test_an_entry_is_gone_after_24_hours(self, cache: SentCache, elapse: Elapse) -> None:
        await cache.put_many([sent(5)])

        await elapse(DAY_SECONDS + 1)

        assert 5 not in await cache.get_all()

    async def test_thousands_of_entries_are_all_listed(self, cache: SentCache) -> None:
        entries = [sent(i, f"wh-{i}") for i in range(1, 2501)]
        await cache.put_many(entries)

        listed = await cache.get_all()

        assert len(listed) == 2500
        assert listed[1] == entries[0]
        assert listed[2500] == entries[-1]

    async def test_a_reachable_cache_answers_ping(self, cache: SentCache) -> None:
        assert await cache.ping() is True

    async def test_an_unreachable_cache_reports_false_on_ping(
        self, unavailable_cache: SentCache
    ) -> None:
        assert await unavailable_cache.ping() is False

    async def test_an_unreachable_cache_refuses_reads_with_cache_unavailable(
        self, unavailable_cache: SentCache
    ) -> None:
        with pytest.raises(CacheUnavailable):
            await unavailable_cache.get_all()

    async def test_an_unreachable_cache_refuses_writes_with_cache_unavailable(
        self, unavailable_cache: SentCache
    ) -> None:
        with pytest.raises(CacheUnavailable):
            await unavailable_cache.put_many([sent(2), sent(3)])
