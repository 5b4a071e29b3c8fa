"""The asyncpg pool and the rules every statement runs under: values bound as parameters,
"cannot reach the server" raised as StoreUnavailable, a transaction the server undid to break
a deadlock run again."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeAlias, TypeVar

import asyncpg
import msgspec
from asyncpg.pool import PoolConnectionProxy

from adapters.postgres.errors import unreachable_as_store_unavailable
from insider_core.errors import StoreUnavailable

# The database a new database is created from: every server has it.
MAINTENANCE_DATABASE = "postgres"
DATABASE_NAME = re.compile(r"[A-Za-z0-9_$-]{1,63}")
TRANSACTION_RUNS = 3
# What every session of the pool says of itself; UTC makes the server's own rendering of a
# time (a minute truncated for the chart, a log line) read as the service's.
SERVER_SETTINGS = {"application_name": "insider-dispatch", "timezone": "UTC"}

log = logging.getLogger(__name__)
T = TypeVar("T")
Session: TypeAlias = "PoolConnectionProxy[asyncpg.Record]"


class ServerSettings(msgspec.Struct, frozen=True, kw_only=True):
    host: str
    port: int = 5432
    user: str
    password: str
    database: str
    connect_timeout: float = 10

    def __repr__(self) -> str:
        return f"ServerSettings({self.user}@{self.host}:{self.port}/{self.database})"

    def connect_kwargs(self, database: str | None = None) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password or None,
            "database": database or self.database,
            "timeout": self.connect_timeout,
            "server_settings": SERVER_SETTINGS,
        }


class Database:
    """The pool, and the rules every statement runs under."""

    def __init__(self, pool: asyncpg.Pool[asyncpg.Record], settings: ServerSettings) -> None:
        self._pool = pool
        # Waiters for a session take their turn first come, first served: asyncpg's pool hands
        # a session given back to whichever task asks next, so a waiter it has woken can lose
        # it to a newcomer while the pool is busy.
        self._turns = asyncio.Semaphore(pool.get_max_size())
        self._closed = False
        self.name = settings.database
        self._ping_timeout = settings.connect_timeout

    @classmethod
    async def open(
        cls, settings: ServerSettings, *, min_size: int, max_size: int, recycle: float
    ) -> Database:
        await ensure_database(settings)
        with unreachable_as_store_unavailable(connecting=True):
            pool = await asyncpg.create_pool(
                min_size=min(min_size, max_size),
                max_size=max_size,
                max_inactive_connection_lifetime=recycle,
                reset=keep_session,
                **settings.connect_kwargs(),
            )
        return cls(pool, settings)

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._pool.close()

    async def ping(self) -> bool:
        try:
            async with asyncio.timeout(self._ping_timeout), self.connection() as session:
                await session.fetchval("SELECT 1")
        except Exception:
            return False
        return True

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Session]:
        """A pooled session for the length of an `async with`; each statement commits on its
        own. asyncpg closes a session left mid-statement instead of reusing it."""
        if self._closed:
            raise StoreUnavailable("the PostgreSQL pool is closed")
        with unreachable_as_store_unavailable():
            async with self._turns, self._pool.acquire() as session:
                yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.connection() as session, session.transaction():
            yield session

    async def run_transaction(self, work: Callable[[Session], Awaitable[T]]) -> T:
        """`work` in one transaction, run again from its start (up to TRANSACTION_RUNS times in
        all) when the server undid it to break a deadlock: a batch's results must not be lost
        to a moment of contention with another writer."""
        run = 1
        while True:
            try:
                async with self.transaction() as session:
                    return await work(session)
            except asyncpg.TransactionRollbackError as error:
                if run == TRANSACTION_RUNS:
                    raise
                log.warning("transaction undone by the server, running it again: %s", error)
                run += 1


async def keep_session(session: asyncpg.Connection[asyncpg.Record]) -> None:
    """What the pool does to a session given back, after asyncpg's own cleanup (which rolls
    back a transaction left open): nothing. The service leaves no state on a session (no SET,
    LISTEN or cursor; the migration lock is released by its holder), so the reset query asyncpg
    sends by default, one more round trip for every operation, is left out (docs/PERFORMANCE.md,
    "PostgreSQL")."""


async def ensure_database(settings: ServerSettings) -> None:
    """Create the database unless it exists; a user who may not create databases can still
    open an existing one."""
    if DATABASE_NAME.fullmatch(settings.database) is None:
        raise ValueError(f"unsupported PostgreSQL database name: {settings.database!r}")
    with unreachable_as_store_unavailable(connecting=True):
        try:
            session = await asyncpg.connect(**settings.connect_kwargs())
        except asyncpg.InvalidCatalogNameError:
            await _create_database(settings)
        else:
            await session.close()


async def _create_database(settings: ServerSettings) -> None:
    session = await asyncpg.connect(**settings.connect_kwargs(MAINTENANCE_DATABASE))
    try:
        await session.execute(f'CREATE DATABASE "{settings.database}"')
    except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
        pass  # another process created it a moment ago
    finally:
        await session.close()
