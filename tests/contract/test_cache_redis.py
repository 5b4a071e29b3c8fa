from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from adapters.redis import RedisSentCache
from adapters.redis.cache import EXPIRED_PER_WRITE
from contract.cache_contract import DAY_SECONDS, Elapse, Held, SentCacheContract, listed, sent
from insider_core import SentCache

pytestmark = pytest.mark.redis

UNREACHABLE_REDIS = "redis://127.0.0.1:1/15"


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def key_prefix() -> str:
    """Each test writes under its own prefix, and deletes only that."""
    return f"test:{uuid.uuid4().hex}:sent_message:"


@pytest.fixture
async def redis_cache(client: aioredis.Redis, key_prefix: str) -> AsyncIterator[RedisSentCache]:
    yield RedisSentCache(client, key_prefix=key_prefix)
    keys = [key async for key in client.scan_iter(match=f"{key_prefix}*", count=1000)]
    if keys:
        await client.delete(*keys)


class TestRedisSentCache(SentCacheContract):
    @pytest.fixture
    def cache(self, redis_cache: RedisSentCache) -> SentCache:
        return redis_cache

    @pytest.fixture
    def elapse(self, client: aioredis.Redis, redis_cache: RedisSentCache) -> Elapse:
        """Shorten every key's remaining life, and every expiry in the index, by `seconds`, as
        if that much time had passed."""

        async def shorten(seconds: float) -> None:
            expiries = await client.zrange(redis_cache.index_by_expiry, 0, -1, withscores=True)
            if expiries:
                earlier = {member: score - seconds * 1000 for member, score in expiries}
                await client.zadd(redis_cache.index_by_expiry, earlier)
            async for key in client.scan_iter(match=f"{redis_cache.key_prefix}*", count=1000):
                if key.decode() in (redis_cache.index_by_id, redis_cache.index_by_expiry):
                    continue
                remaining_ms = await client.pttl(key)
                left = remaining_ms - int(seconds * 1000)
                if left > 0:
                    await client.pexpire(key, left)
                else:
                    await client.delete(key)

        return shorten

    @pytest.fixture
    def held(self, client: aioredis.Redis, redis_cache: RedisSentCache) -> Held:
        """The ids in the index (both sorted sets hold the same ones)."""

        async def count() -> int:
            by_id = await client.zcard(redis_cache.index_by_id)
            assert await client.zcard(redis_cache.index_by_expiry) == by_id
            return int(by_id)

        return count

    @pytest.fixture
    async def unavailable_cache(self) -> AsyncIterator[SentCache]:
        cache = RedisSentCache.from_url(UNREACHABLE_REDIS)
        yield cache
        await cache.close()


async def test_each_key_is_the_prefix_and_id_with_a_24_hour_ttl(
    redis_cache: RedisSentCache, client: aioredis.Redis, key_prefix: str
) -> None:
    await redis_cache.put_many([sent(42, "wh-42")])

    ttl = await client.ttl(f"{key_prefix}42")

    assert DAY_SECONDS - 5 <= ttl <= DAY_SECONDS


async def test_the_stored_value_is_camel_case_json_with_a_z_timestamp(
    redis_cache: RedisSentCache, client: aioredis.Redis, key_prefix: str
) -> None:
    await redis_cache.put_many([sent(43, "wh-43")])

    raw = await client.get(f"{key_prefix}43")

    assert raw == b'{"messageId":"wh-43","sentAt":"2026-03-14T15:09:26.535897Z"}'


async def test_values_that_are_not_cache_entries_are_skipped(
    redis_cache: RedisSentCache, client: aioredis.Redis, key_prefix: str
) -> None:
    await redis_cache.put_many([sent(1), sent(2), sent(3)])
    await client.set(f"{key_prefix}2", b"not json")
    await client.set(f"{key_prefix}3", b'{"sentAt": 3}')

    assert set(await listed(redis_cache)) == {1}


async def test_a_cache_opened_from_a_url_uses_the_sent_message_prefix(redis_url: str) -> None:
    cache = RedisSentCache.from_url(redis_url, ttl_seconds=60)
    message_id = 900_000_000 + uuid.uuid4().int % 100_000_000
    try:
        await cache.put_many([sent(message_id)])
        assert await cache.client.ttl(f"sent_message:{message_id}") <= 60
        assert (await listed(cache))[message_id] == sent(message_id)
    finally:
        await cache.client.delete(f"sent_message:{message_id}")
        await cache.client.zrem(cache.index_by_id, message_id)
        await cache.client.zrem(cache.index_by_expiry, message_id)
        await cache.close()


async def test_a_batch_is_written_after_the_server_forgot_the_script(
    redis_cache: RedisSentCache, client: aioredis.Redis, key_prefix: str
) -> None:
    await redis_cache.put_many([sent(1)])
    await client.script_flush()

    await redis_cache.put_many([sent(2, "wh-2"), sent(3, "wh-3")])

    assert set(await listed(redis_cache)) == {1, 2, 3}
    assert DAY_SECONDS - 5 <= await client.ttl(f"{key_prefix}3") <= DAY_SECONDS


async def test_a_write_drops_at_most_a_bounded_number_of_expired_ids_and_the_next_the_rest(
    redis_cache: RedisSentCache, client: aioredis.Redis
) -> None:
    await redis_cache.put_many([sent(i) for i in range(1, 1201)])
    expiries = await client.zrange(redis_cache.index_by_expiry, 0, -1, withscores=True)
    await client.zadd(redis_cache.index_by_expiry, {member: 0 for member, _ in expiries})

    await redis_cache.put_many([sent(2001)])
    after_one = await client.zcard(redis_cache.index_by_id)
    await redis_cache.put_many([sent(2002)])

    assert after_one == 1 + 1200 - (EXPIRED_PER_WRITE + 1)
    assert await client.zcard(redis_cache.index_by_id) == 2
    assert await client.zcard(redis_cache.index_by_expiry) == 2
