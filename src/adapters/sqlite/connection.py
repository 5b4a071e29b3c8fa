"""Opening the SQLite file, and the transaction and error rules every statement runs under."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import aiosqlite

from insider_core.errors import StoreUnavailable

BUSY_TIMEOUT_MS = 5000
# sqlite3 reports these as OperationalError, like a typo in SQL; only these mean the file
# cannot be used right now.
UNREACHABLE_MESSAGES = ("unable to open", "database is locked", "disk i/o error", "readonly")


async def connect(path: str) -> aiosqlite.Connection:
    """A connection in autocommit mode: transactions are begun explicitly, BEGIN IMMEDIATE."""
    with unreachable_as_store_unavailable():
        # aiosqlite leaves a worker thread behind when it fails to open a file, so a path
        # that cannot be opened is found out here first.
        await asyncio.to_thread(_open_and_close, path)
        connection = await aiosqlite.connect(path, isolation_level=None)
        try:
            await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await connection.execute("PRAGMA journal_mode = WAL")
        except BaseException:
            await connection.close()
            raise
    return connection


def _open_and_close(path: str) -> None:
    sqlite3.connect(path).close()


@asynccontextmanager
async def transaction(connection: aiosqlite.Connection) -> AsyncIterator[aiosqlite.Connection]:
    """A write transaction that takes the database's write lock at once, so a read inside it
    can never be overtaken by another writer."""
    await connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        await connection.execute("ROLLBACK")
        raise
    await connection.execute("COMMIT")


@contextmanager
def unreachable_as_store_unavailable() -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as error:
        if any(text in str(error).lower() for text in UNREACHABLE_MESSAGES):
            raise StoreUnavailable(f"SQLite store unavailable: {error}") from error
        raise
