"""The embedded sent cache holds one TTL's worth of sends at most, read or not."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from adapters.memory import InMemorySentCache, ManualClock
from insider_core import CachedSend

TTL = timedelta(hours=24)
MINUTE = 60


def sends(clock: ManualClock, ids: range | list[int]) -> list[CachedSend]:
    return [CachedSend(id=i, receipt_id=f"wh-{i}", sent_at=clock.now()) for i in ids]


async def test_two_days_of_sends_never_held_more_than_one_ttl_of_them_without_a_read() -> None:
    clock = ManualClock()
    cache = InMemorySentCache(clock, ttl=TTL)
    per_batch, batches_per_ttl = 10, 24 * 60
    held = []

    for batch in range(2 * batches_per_ttl):
        await cache.put_many(sends(clock, range(batch * per_batch, (batch + 1) * per_batch)))
        held.append(len(cache))
        clock.advance(MINUTE)

    assert max(held) == batches_per_ttl * per_batch
    assert held[-1] == batches_per_ttl * per_batch


async def test_after_a_day_of_sends_nothing_older_than_the_ttl_is_held() -> None:
    clock = ManualClock()
    cache = InMemorySentCache(clock, ttl=TTL)
    for batch in range(25 * 60):
        clock.advance(MINUTE)
        await cache.put_many(sends(clock, [batch]))

    oldest = min(entry.sent_at for entry in (await cache.get_page(0, 10_000)).entries)

    assert clock.now() - oldest <= TTL
    assert len(cache) == 24 * 60


async def test_a_message_cached_again_lives_a_ttl_from_its_latest_write() -> None:
    clock = ManualClock()
    cache = InMemorySentCache(clock, ttl=TTL)
    await cache.put_many(sends(clock, [1]))
    clock.advance(3600)
    await cache.put_many(sends(clock, [2]))
    clock.advance(3600)
    await cache.put_many(sends(clock, [1]))

    clock.advance(TTL.total_seconds() - 3600 + 1)
    await cache.put_many([])

    assert len(cache) == 1
    assert [entry.id for entry in (await cache.get_page(0, 10)).entries] == [1]


writes = st.lists(
    st.tuples(
        st.integers(0, 3 * 3600),
        st.lists(st.integers(1, 12), max_size=4),
    ),
    max_size=40,
)


@given(writes)
def test_the_cache_holds_exactly_the_ids_written_within_the_last_ttl(
    steps: list[tuple[int, list[int]]],
) -> None:
    clock = ManualClock()
    cache = InMemorySentCache(clock, ttl=timedelta(hours=2))
    last_written: dict[int, float] = {}
    elapsed = 0.0

    for seconds, ids in steps:
        clock.advance(seconds)
        elapsed += seconds
        asyncio.run(cache.put_many(sends(clock, ids)))
        last_written.update(dict.fromkeys(ids, elapsed))
        live = {i for i, at in last_written.items() if elapsed - at < 2 * 3600}

        assert len(cache) == len(live)
        assert [entry.id for entry in asyncio.run(cache.get_page(0, 100)).entries] == sorted(live)
