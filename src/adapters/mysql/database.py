"""The aiomysql pool and the rules every statement runs under: autocommit unless a
transaction is opened explicitly, and "cannot reach the server" raised as StoreUnavailable."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any, TypeVar

import aiomysql
import msgspec
import pymysql

from insider_core.errors import StoreUnavailable

# Refused, unknown host, gone away, lost, too many connections, shutting down, killed.
UNREACHABLE_CODES = frozenset({1040, 1053, 1927, 2002, 2003, 2005, 2006, 2013, 2055})
# A transaction the server undid to break a deadlock (1213), or one whose lock wait timed out
# (1205, undone whole by the rollback that follows), left nothing behind: it is run again.
RUN_AGAIN_CODES = frozenset({1205, 1213})
TRANSACTION_RUNS = 3
DATABASE_EXISTS = 1007
DATABASE_NAME = re.compile(r"[A-Za-z0-9_$-]{1,64}")

log = logging.getLogger(__name__)
T = TypeVar("T")


class ServerSettings(msgspec.Struct, frozen=True, kw_only=True):
    host: str
    port: int = 3306
    user: str
    password: str
    database: str
    connect_timeout: float = 10

    def __repr__(self) -> str:
        return f"ServerSettings({self.user}@{self.host}:{self.port}/{self.database})"

    def connect_kwargs(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "connect_timeout": self.connect_timeout,
            "charset": "utf8mb4",
            "autocommit": True,
        }


class Database:
    """The pool, and the rules every statement runs under. Values are always bound as
    parameters."""

    def __init__(self, pool: aiomysql.Pool, settings: ServerSettings) -> None:
        self._pool = pool
        # Waiters for a connection take their turn first come, first served: aiomysql's pool
        # hands a connection given back to whichever task asks next, so a waiter it has woken
        # can lose it to a newcomer, again and again, while the pool is busy.
        self._turns = asyncio.Semaphore(pool.maxsize)
        self._closed = False
        self.name = settings.database
        self._ping_timeout = settings.connect_timeout

    @classmethod
    async def open(
        cls, settings: ServerSettings, *, minsize: int, maxsize: int, recycle: int
    ) -> Database:
        await ensure_database(settings)
        with unreachable_as_store_unavailable(connecting=True):
            pool = await aiomysql.create_pool(
                minsize=min(minsize, maxsize),
                maxsize=maxsize,
                pool_recycle=recycle,
                db=settings.database,
                init_command=SESSION_SETUP,
                **settings.connect_kwargs(),
            )
        return cls(pool, settings)

    @property
    def closed(self) -> bool:
        return self._closed

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._pool.close()
            await self._pool.wait_closed()

    async def ping(self) -> bool:
        try:
            async with asyncio.timeout(self._ping_timeout), self.cursor() as cursor:
                await cursor.execute("SELECT 1")
        except Exception:
            return False
        return True

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[aiomysql.Connection]:
        """A pooled connection for the length of an `async with`. Errors that mean the server
        is out of reach become StoreUnavailable; a connection left mid-statement (the block
        was cancelled) is closed instead of reused."""
        if self._closed:
            raise StoreUnavailable("the MySQL pool is closed")
        async with self._turns:
            with unreachable_as_store_unavailable():
                connection = await self._pool.acquire()
                try:
                    yield connection
                except BaseException as error:
                    if not isinstance(error, Exception):
                        connection.close()  # cancelled mid-statement: the state is unknown
                    raise
                finally:
                    self._pool.release(connection)

    @asynccontextmanager
    async def cursor(self) -> AsyncIterator[aiomysql.Cursor]:
        """A cursor whose statements each commit on their own."""
        async with self.connection() as connection:
            cursor = await connection.cursor()
            try:
                yield cursor
            except BaseException as error:
                if isinstance(error, Exception):  # not mid-statement: the cursor can be closed
                    await cursor.close()
                raise
            await cursor.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiomysql.Cursor]:
        """A cursor inside one transaction: committed on success, rolled back on error."""
        async with self.connection() as connection:
            await connection.begin()
            try:
                async with connection.cursor() as cursor:
                    yield cursor
            except Exception:
                with suppress(pymysql.err.Error, OSError):
                    await connection.rollback()
                raise
            await connection.commit()

    async def run_transaction(self, work: Callable[[aiomysql.Cursor], Awaitable[T]]) -> T:
        """`work` in one transaction, run again from its start (up to TRANSACTION_RUNS times
        in all) when the server undid it to break a deadlock or a lock wait timed out: a
        batch's results must not be lost to a moment of contention with another writer."""
        run = 1
        while True:
            try:
                async with self.transaction() as cursor:
                    return await work(cursor)
            except pymysql.err.OperationalError as error:
                code = error.args[0] if error.args else None
                if run == TRANSACTION_RUNS or code not in RUN_AGAIN_CODES:
                    raise
                log.warning("transaction undone by the server, running it again: %s", error)
                run += 1


# Claims lock the rows they take and skip the rows others hold; READ COMMITTED keeps InnoDB
# from also locking the gaps between them, which would make inserts wait on a claim.
SESSION_SETUP = "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"


async def ensure_database(settings: ServerSettings) -> None:
    """Create the database (utf8mb4) unless it exists; a user without the CREATE privilege
    can still open an existing one."""
    if DATABASE_NAME.fullmatch(settings.database) is None:
        raise ValueError(f"unsupported MySQL database name: {settings.database!r}")
    with unreachable_as_store_unavailable(connecting=True):
        connection = await aiomysql.connect(**settings.connect_kwargs())
        try:
            async with connection.cursor() as cursor:
                await cursor.execute(
                    "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
                    (settings.database,),
                )
                if await cursor.fetchone() is None:
                    await _create_database(cursor, settings.database)
        finally:
            connection.close()


async def _create_database(cursor: aiomysql.Cursor, name: str) -> None:
    try:
        await cursor.execute(
            f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
    except pymysql.err.ProgrammingError as error:
        if error.args[0] != DATABASE_EXISTS:  # another process created it a moment ago
            raise


def is_unreachable(error: BaseException, *, connecting: bool = False) -> bool:
    """While connecting, every operational error (refused, access denied, no privilege)
    leaves the store out of reach; afterwards only the connection-level ones do."""
    if isinstance(error, pymysql.err.OperationalError):
        return connecting or (bool(error.args) and error.args[0] in UNREACHABLE_CODES)
    return isinstance(error, pymysql.err.InterfaceError | OSError | asyncio.TimeoutError)


@contextmanager
def unreachable_as_store_unavailable(*, connecting: bool = False) -> Iterator[None]:
    try:
        yield
    except StoreUnavailable:
        raise
    except Exception as error:
        if is_unreachable(error, connecting=connecting):
            raise StoreUnavailable(f"MySQL store unavailable: {error}") from error
        raise
