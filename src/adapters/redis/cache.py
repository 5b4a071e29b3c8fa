from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from insider_core.errors import CacheUnavailable
from insider_core.ports import SentCache
from insider_core.text import utc_timestamp
from insider_core.values import CachedPage, CachedSend

DAY_SECONDS = 86400
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# How many expired ids a write drops from the indexes beyond as many as it adds: the indexes
# shrink back to one TTL's worth of sends after a burst, a little at a time.
EXPIRED_PER_WRITE = 1000
# One command for a whole batch: a pipeline of one SET per entry costs redis-py several times
# the client CPU of a single command carrying every key and value. KEYS: the index by id, the
# index by expiry, then one key per entry; ARGV: the TTL, the most expired ids to drop, then
# each entry's id and value. The expiry index is scored by the server's own clock, as the
# keys' TTLs are.
PUT_MANY_SCRIPT = """
local ttl = tonumber(ARGV[1])
local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local expired = redis.call('ZRANGE', KEYS[2], '-inf', now_ms, 'BYSCORE', 'LIMIT', 0, ARGV[2])
for i = 1, #expired, 500 do
    local last = math.min(i + 499, #expired)
    redis.call('ZREM', KEYS[1], unpack(expired, i, last))
    redis.call('ZREM', KEYS[2], unpack(expired, i, last))
end
local entries = #KEYS - 2
local expires_ms = now_ms + ttl * 1000
for first = 1, entries, 500 do
    local by_id, by_expiry = {}, {}
    for i = first, math.min(first + 499, entries) do
        local id = ARGV[2 + i]
        redis.call('SET', KEYS[2 + i], ARGV[2 + entries + i], 'EX', ttl)
        by_id[#by_id + 1] = id
        by_id[#by_id + 1] = id
        by_expiry[#by_expiry + 1] = expires_ms
        by_expiry[#by_expiry + 1] = id
    end
    redis.call('ZADD', KEYS[1], unpack(by_id))
    redis.call('ZADD', KEYS[2], unpack(by_expiry))
end
return entries
"""


class StoredSend(msgspec.Struct, frozen=True, rename="camel"):
    """The JSON value of one key: `{"messageId": ..., "sentAt": "...Z"}`."""

    receipt_id: str | None = msgspec.field(name="messageId")
    sent_at: str


class RedisSentCache(SentCache):
    """Keys `<prefix><id>` expire after `ttl_seconds`. Two sorted sets index them, by id (for
    reading pages in id order) and by expiry (so that each write drops the ids that expired
    from both), kept beside the keys rather than under their prefix, so that `<prefix>*`
    names only cached sends: `sent_message_index:id` and `sent_message_index:expiry` for the
    default prefix."""

    def __init__(
        self,
        client: aioredis.Redis,
        ttl_seconds: int = DAY_SECONDS,
        key_prefix: str = "sent_message:",
    ) -> None:
        self.client = client
        self.ttl_seconds = ttl_seconds
        self.key_prefix = key_prefix
        index = key_prefix.rstrip(":") + "_index"
        self.index_by_id = f"{index}:id"
        self.index_by_expiry = f"{index}:expiry"
        self._put_many = client.register_script(PUT_MANY_SCRIPT)

    @classmethod
    def from_url(cls, url: str, ttl_seconds: int = DAY_SECONDS) -> RedisSentCache:
        # Short timeouts: a Redis outage must cost a dispatch seconds, not minutes.
        client = aioredis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        return cls(client, ttl_seconds=ttl_seconds)

    async def put_many(self, entries: Sequence[CachedSend]) -> None:
        if not entries:
            return
        keys = [self.index_by_id, self.index_by_expiry]
        keys += [self._key(entry.id) for entry in entries]
        args: list[int | bytes] = [self.ttl_seconds, EXPIRED_PER_WRITE + len(entries)]
        args += [entry.id for entry in entries]
        args += [_encode(entry) for entry in entries]
        try:
            await self._put_many(keys=keys, args=args)
        except UNREACHABLE as error:
            raise CacheUnavailable(f"redis unreachable: {error}") from error

    async def get_page(self, after: int, limit: int) -> CachedPage:
        """One range of the id index and one MGET: an id whose key has expired (and that no
        write has dropped from the index yet) is skipped."""
        try:
            found = await self.client.zrange(
                self.index_by_id, f"({after}", "+inf", byscore=True, offset=0, num=limit + 1
            )
            ids = [int(member) for member in cast(list[bytes], found)]
            values = await self.client.mget([self._key(i) for i in ids[:limit]]) if ids else []
        except UNREACHABLE as error:
            raise CacheUnavailable(f"redis unreachable: {error}") from error
        entries = [
            entry
            for message_id, value in zip(ids, values, strict=False)
            if (entry := _decode(message_id, value)) is not None
        ]
        following = ids[limit - 1] if len(ids) > limit else None
        return CachedPage(entries=entries, next_after=following)

    async def ping(self) -> bool:
        try:
            return bool(await self.client.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self.client.aclose()

    def _key(self, message_id: int) -> str:
        return f"{self.key_prefix}{message_id}"


def _encode(entry: CachedSend) -> bytes:
    stored = StoredSend(receipt_id=entry.receipt_id, sent_at=utc_timestamp(entry.sent_at))
    return msgspec.json.encode(stored)


def _decode(message_id: int, value: bytes | str | None) -> CachedSend | None:
    """None for a key gone (expired) or holding something other than a cache entry."""
    if value is None:
        return None
    try:
        stored = msgspec.json.decode(value, type=StoredSend)
        sent_at = msgspec.convert(stored.sent_at, datetime)
    except msgspec.DecodeError:
        return None
    return CachedSend(id=message_id, receipt_id=stored.receipt_id, sent_at=sent_at)
