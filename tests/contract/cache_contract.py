"""The behaviour every SentCache promises. Subclass `SentCacheContract` once per implementation
and provide the fixtures `cache`, `elapse`, `held` and `unavailable_cache`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from insider_core import CachedSend, CacheUnavailable, SentCache

Elapse = Callable[[float], Awaitable[None]]
Held = Callable[[], Awaitable[int]]
DAY_SECONDS = 24 * 3600
SENT_AT = datetime(2026, 3, 14, 15, 9, 26, 535897, tzinfo=UTC)


def sent(message_id: int, webhook_id: str | None = "wh-1", at: datetime = SENT_AT) -> CachedSend:
    return CachedSend(id=message_id, receipt_id=webhook_id, sent_at=at)


async def listed(cache: SentCache) -> dict[int, CachedSend]:
    """Every entry, read page by page."""
    found: dict[int, CachedSend] = {}
    after: int | None = 0
    while after is not None:
        page = await cache.get_page(after, 1000)
        found.update((entry.id, entry) for entry in page.entries)
        after = page.next_after
    return found


class SentCacheContract:
    @pytest.fixture
    def cache(self) -> SentCache:
        raise NotImplementedError

    @pytest.fixture
    def elapse(self) -> Elapse:
        """Make `seconds` pass, as far as the cache's expiry is concerned."""
        raise NotImplementedError

    @pytest.fixture
    def held(self) -> Held:
        """How many entries the cache holds now, expired ones not yet dropped included."""
        raise NotImplementedError

    @pytest.fixture
    def unavailable_cache(self) -> SentCache:
        """A cache whose backing service cannot be reached."""
        raise NotImplementedError

    async def test_an_empty_cache_lists_nothing(self, cache: SentCache) -> None:
        assert await listed(cache) == {}

    async def test_a_put_entry_is_listed_with_its_microseconds(self, cache: SentCache) -> None:
        await cache.put_many([sent(7, "wh-7")])

        assert await listed(cache) == {7: sent(7, "wh-7")}

    async def test_an_entry_without_a_webhook_message_id_keeps_it_null(
        self, cache: SentCache
    ) -> None:
        await cache.put_many([sent(8, None)])

        assert (await listed(cache))[8].receipt_id is None

    async def test_a_whole_second_keeps_its_time(self, cache: SentCache) -> None:
        whole = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
        await cache.put_many([sent(9, at=whole)])

        assert (await listed(cache))[9].sent_at == whole

    async def test_put_many_stores_every_entry(self, cache: SentCache) -> None:
        entries = [sent(i, f"wh-{i}", SENT_AT + timedelta(microseconds=i)) for i in range(1, 6)]
        await cache.put_many(entries)

        assert await listed(cache) == {entry.id: entry for entry in entries}

    async def test_put_many_of_nothing_changes_nothing(self, cache: SentCache) -> None:
        await cache.put_many([])

        assert await listed(cache) == {}

    async def test_putting_an_id_again_overwrites_it(self, cache: SentCache) -> None:
        await cache.put_many([sent(3, "first")])
        await cache.put_many([sent(3, "second", SENT_AT + timedelta(seconds=1))])

        assert await listed(cache) == {3: sent(3, "second", SENT_AT + timedelta(seconds=1))}

    async def test_an_entry_lives_for_24_hours(self, cache: SentCache, elapse: Elapse) -> None:
        await cache.put_many([sent(4)])

        await elapse(DAY_SECONDS - 5)

        assert 4 in await listed(cache)

    async def test_an_entry_is_gone_after_24_hours(self, cache: SentCache, elapse: Elapse) -> None:
        await cache.put_many([sent(5)])

        await elapse(DAY_SECONDS + 1)

        assert 5 not in await listed(cache)

    async def test_thousands_of_entries_are_read_in_pages_lowest_id_first(
        self, cache: SentCache
    ) -> None:
        entries = [sent(i, f"wh-{i}") for i in range(2500, 0, -1)]
        await cache.put_many(entries)

        first = await cache.get_page(0, 1000)
        second = await cache.get_page(1000, 1000)
        last = await cache.get_page(2000, 1000)

        assert [entry.id for entry in first.entries] == list(range(1, 1001))
        assert first.entries[0] == entries[-1]
        assert (first.next_after, second.next_after, last.next_after) == (1000, 2000, None)
        assert [entry.id for entry in second.entries] == list(range(1001, 2001))
        assert [entry.id for entry in last.entries] == list(range(2001, 2501))

    async def test_a_page_holds_at_most_limit_entries_above_after(self, cache: SentCache) -> None:
        await cache.put_many([sent(i) for i in (3, 5, 8, 13, 21)])

        page = await cache.get_page(4, 2)

        assert [entry.id for entry in page.entries] == [5, 8]
        assert page.next_after == 8

    async def test_a_page_that_reaches_the_last_entry_says_none_follows(
        self, cache: SentCache
    ) -> None:
        await cache.put_many([sent(i) for i in (3, 5, 8)])

        exactly = await cache.get_page(0, 3)
        beyond = await cache.get_page(8, 3)

        assert [entry.id for entry in exactly.entries] == [3, 5, 8]
        assert exactly.next_after is None
        assert (list(beyond.entries), beyond.next_after) == ([], None)

    async def test_an_id_put_again_is_listed_once(self, cache: SentCache) -> None:
        await cache.put_many([sent(1), sent(2)])
        await cache.put_many([sent(1, "again")])

        page = await cache.get_page(0, 10)

        assert page.entries == [sent(1, "again"), sent(2)]

    async def test_writing_drops_what_expired_though_nothing_is_read(
        self, cache: SentCache, elapse: Elapse, held: Held
    ) -> None:
        await cache.put_many([sent(i) for i in range(1, 101)])
        await elapse(DAY_SECONDS / 2)
        await cache.put_many([sent(i) for i in range(101, 111)])
        await elapse(DAY_SECONDS / 2 + 1)

        await cache.put_many([sent(111)])

        assert await held() == 11
        assert sorted(await listed(cache)) == list(range(101, 112))

    async def test_an_expired_entry_is_not_read_though_no_write_dropped_it(
        self, cache: SentCache, elapse: Elapse
    ) -> None:
        await cache.put_many([sent(1), sent(2)])
        await elapse(DAY_SECONDS / 2)
        await cache.put_many([sent(3)])
        await elapse(DAY_SECONDS / 2 + 1)

        page = await cache.get_page(0, 10)

        assert [entry.id for entry in page.entries] == [3]
        assert page.next_after is None

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
            await unavailable_cache.get_page(0, 10)

    async def test_an_unreachable_cache_refuses_writes_with_cache_unavailable(
        self, unavailable_cache: SentCache
    ) -> None:
        with pytest.raises(CacheUnavailable):
            await unavailable_cache.put_many([sent(2), sent(3)])
