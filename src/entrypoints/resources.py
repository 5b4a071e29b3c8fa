"""Things with a lifecycle, opened at start-up and closed at shutdown (container resources)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from adapters.memory import InMemoryMessageRepository, InMemorySentCache
from entrypoints.settings import MemoryTarget, MySqlTarget, PostgresTarget, Settings, SqliteTarget
from insider_core import Clock, SentCache, Store

SENT_CACHE_TTL_SECONDS = 86_400


@asynccontextmanager
async def opened_repository(settings: Settings, migrate: bool = True) -> AsyncIterator[Store]:
    """The store DATABASE_URL (or DB_*) names, schema migrated unless `migrate` is False
    (SQLite migrates whenever it opens; a second `migrate` then finds nothing to do)."""
    target = settings.database
    if isinstance(target, MemoryTarget):
        yield InMemoryMessageRepository()
        return
    if isinstance(target, SqliteTarget):
        from adapters.sqlite import SqliteMessageRepository

        sqlite = await SqliteMessageRepository.open(target.path)  # always migrates
        try:
            yield sqlite
        finally:
            await sqlite.close()
        return
    if isinstance(target, PostgresTarget):
        from adapters.postgres import PostgresMessageRepository

        postgres = await PostgresMessageRepository.open(
            host=target.host,
            port=target.port,
            user=target.user,
            password=target.password,
            database=target.database,
            pool_maxsize=settings.db_pool_size,
            connect_timeout=settings.db_connect_timeout_seconds,
            pool_recycle=settings.db_pool_recycle_seconds,
            migrate=migrate,
        )
        try:
            yield postgres
        finally:
            await postgres.close()
        return
    assert isinstance(target, MySqlTarget)
    from adapters.mysql import MySqlMessageRepository

    mysql = await MySqlMessageRepository.open(
        host=target.host,
        port=target.port,
        user=target.user,
        password=target.password,
        database=target.database,
        pool_maxsize=settings.db_pool_size,
        connect_timeout=settings.db_connect_timeout_seconds,
        pool_recycle=settings.db_pool_recycle_seconds,
        migrate=migrate,
    )
    try:
        yield mysql
    finally:
        await mysql.close()


async def repository_resource(settings: Settings) -> AsyncIterator[Store]:
    async with opened_repository(settings) as repository:
        yield repository


async def cache_resource(settings: Settings, clock: Clock) -> AsyncIterator[SentCache]:
    """Redis when REDIS_URL or REDIS_HOST is set, else the embedded in-memory cache."""
    url = settings.redis_connection_url
    if url is None:
        yield InMemorySentCache(clock)
        return
    from adapters.redis import RedisSentCache

    redis = RedisSentCache.from_url(url, ttl_seconds=SENT_CACHE_TTL_SECONDS)
    try:
        yield redis
    finally:
        await redis.close()


async def http_session_resource(settings: Settings) -> AsyncIterator[aiohttp.ClientSession]:
    from adapters.http import create_client_session

    session = create_client_session(
        concurrency=settings.webhook_concurrency,
        timeout_seconds=settings.webhook_timeout_seconds,
    )
    try:
        yield session
    finally:
        await session.close()
