from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from insider_core.errors import CacheUnavailable
from insider_core.ports import SentCache
from insider_core.text import utc_timestamp
from insider_core.values import CachedSend

DAY_SECONDS = 86400
SCAN_COUNT = 500
MGET_CHUNK = 500
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# One command for a whole batch: a pipeline of one SET per entry costs redis-py several times
# the client CPU of a single command carrying every key and value.
PUT_MANY_SCRIPT = """
local ttl = ARGV[1]
for i, key in ipairs(KEYS) do
    redis.call('SET', key, ARGV[i + 1], 'EX', ttl)
end
return #KEYS
"""


class StoredSend(msgspec.Struct, frozen=True, rename="camel"):
    """The JSON value of one key: `{"messageId": ..., "sentAt": "...Z"}`."""

    receipt_id: str | None = msgspec.field(name="messageId")
    sent_at: str


class RedisSentCache(SentCache):
    """Keys `<prefix><id>` expire after `ttl_seconds`; listing walks SCAN, never KEYS."""

    def __init__(
        self,
        client: aioredis.Redis,
        ttl_seconds: int = DAY_SECONDS,
        key_prefix: str = "sent_message:",
    ) -> None:
        self.client = client
        self.ttl_seconds = ttl_seconds
        self.key_prefix = key_prefix
        self._put_many = client.register_script(PUT_MANY_SCRIPT)

    @classmethod
    def from_url(cls, url: str, ttl_seconds: int = DAY_SECONDS) -> RedisSentCache:
        # Short timeouts: a Redis outage must cost a dispatch seconds, not minutes.
        client = aioredis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        return cls(client, ttl_seconds=ttl_seconds)

    async def put_many(self, entries: Sequence[CachedSend]) -> None:
        if not entries:
            return
        keys = [self._key(entry.id) for entry in entries]
        values = [_encode(entry) for entry in entries]
        try:
            await self._put_many(keys=keys, args=[self.ttl_seconds, *values])
        except UNREACHABLE as error:
            raise CacheUnavailable(f"redis unreachable: {error}") from error

    async def get_all(self) -> Mapping[int, CachedSend]:
        try:
            return {entry.id: entry async for entry in self._scan_entries()}
        except UNREACHABLE as error:
            raise CacheUnavailable(f"redis unreachable: {error}") from error

    async def ping(self) -> bool:
        try:
            return bool(await self.client.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self.client.aclose()

    async def _scan_entries(self) -> AsyncIterator[CachedSend]:
        chunk: list[bytes] = []
        async for key in self.client.scan_iter(match=f"{self.key_prefix}*", count=SCAN_COUNT):
            chunk.append(key)
            if len(chunk) >= MGET_CHUNK:
                for entry in await self._read(chunk):
                    yield entry
                chunk = []
        for entry in await self._read(chunk):
            yield entry

    async def _read(self, keys: list[bytes]) -> list[CachedSend]:
        if not keys:
            return []
        values = await self.client.mget(keys)
        entries = []
        for key, value in zip(keys, values, strict=True):
            # A key may expire between SCAN and MGET; a foreign value is skipped, not fatal.
            entry = _decode(self._id_of(key), value)
            if entry is not None:
                entries.append(entry)
        return entries

    def _key(self, message_id: int) -> str:
        return f"{self.key_prefix}{message_id}"

    def _id_of(self, key: bytes | str) -> int | None:
        text = key.decode() if isinstance(key, bytes) else key
        suffix = text.removeprefix(self.key_prefix)
        return int(suffix) if suffix.isdigit() else None


def _encode(entry: CachedSend) -> bytes:
    stored = StoredSend(receipt_id=entry.receipt_id, sent_at=utc_timestamp(entry.sent_at))
    return msgspec.json.encode(stored)


def _decode(message_id: int | None, value: bytes | str | None) -> CachedSend | None:
    if message_id is None or value is None:
        return None
    try:
        stored = msgspec.json.decode(value, type=StoredSend)
        sent_at = msgspec.convert(stored.sent_at, datetime)
    except msgspec.DecodeError:
        return None
    return CachedSend(id=message_id, receipt_id=stored.receipt_id, sent_at=sent_at)
