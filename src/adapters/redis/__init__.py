"""The sent cache in Redis (redis.asyncio)."""

from adapters.redis.cache import RedisSentCache

__all__ = ["RedisSentCache"]
