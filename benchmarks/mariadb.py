"""The benchmark's own MariaDB databases: recreated, migrated and filled with set-based SQL
(MariaDB's sequence engine), so a million rows take seconds, not minutes."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import aiomysql
import msgspec

from adapters.mysql.database import Database, ServerSettings
from adapters.mysql.migrations import apply_migrations

SERVER_URL = os.environ.get("BENCH_MYSQL_URL", "mysql://root@127.0.0.1:3306")
INSERT_CHUNK = 100_000
SETTLED_DIRTY_SHARE = 0.05
# The same texts the raw-limit client sends, so both sides POST identical payloads.
CONTENT_SQL = "CONCAT('Benchmark message ', seq, ': your order has shipped and arrives tomorrow.')"
PHONE_SQL = "CONCAT('+90555', LPAD(seq, 7, '0'))"


def content_for(n: int) -> str:
    return f"Benchmark message {n}: your order has shipped and arrives tomorrow."


def phone_for(n: int) -> str:
    return f"+90555{n:07d}"


class BenchDatabase(msgspec.Struct, frozen=True, kw_only=True):
    host: str
    port: int
    user: str
    password: str
    name: str

    @classmethod
    def named(cls, name: str, server_url: str = SERVER_URL) -> BenchDatabase:
        parts = urlsplit(server_url)
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            name=name,
        )

    @property
    def url(self) -> str:
        secret = f":{self.password}" if self.password else ""
        return f"mysql://{self.user}{secret}@{self.host}:{self.port}/{self.name}"

    def server_settings(self) -> ServerSettings:
        return ServerSettings(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            database=self.name,
        )

    def connect_kwargs(self) -> dict[str, Any]:
        return self.server_settings().connect_kwargs()


@asynccontextmanager
async def connected(db: BenchDatabase, *, use_database: bool = True) -> AsyncIterator[Any]:
    """A cursor on one autocommit connection."""
    connection = await aiomysql.connect(db=db.name if use_database else None, **db.connect_kwargs())
    try:
        async with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


async def server_version(db: BenchDatabase) -> str:
    async with connected(db, use_database=False) as cursor:
        await cursor.execute("SELECT VERSION()")
        (version,) = await cursor.fetchone()
        return str(version)


async def recreate(db: BenchDatabase) -> None:
    """Drop the database, create it and apply the product's migrations."""
    async with connected(db, use_database=False) as cursor:
        await cursor.execute(f"DROP DATABASE IF EXISTS `{db.name}`")
    database = await Database.open(db.server_settings(), minsize=1, maxsize=1, recycle=3600)
    try:
        await apply_migrations(database)
    finally:
        await database.close()


async def drop(db: BenchDatabase) -> None:
    async with connected(db, use_database=False) as cursor:
        await cursor.execute(f"DROP DATABASE IF EXISTS `{db.name}`")


async def insert_pending(db: BenchDatabase, count: int, *, first: int = 1) -> None:
    """`count` pending messages, due an hour ago, numbered from `first`."""
    await _insert_in_chunks(db, count, first, status="pending")


async def insert_sent(db: BenchDatabase, count: int, *, first: int = 1) -> None:
    """`count` messages already sent, each with its delivery attempt."""
    await _insert_in_chunks(db, count, first, status="sent")
    async with connected(db) as cursor:
        await cursor.execute(
            "INSERT INTO delivery_attempts (message_id, attempt_number, started_at, duration_ms, "
            "http_status) SELECT id, 1, sent_at, 3, 202 FROM messages WHERE status = 'sent'"
        )


async def _insert_in_chunks(db: BenchDatabase, count: int, first: int, *, status: str) -> None:
    sent = status == "sent"
    webhook_id = "REPLACE(UUID(), '-', '')" if sent else "NULL"
    sent_at = "UTC_TIMESTAMP(6) - INTERVAL 1 HOUR" if sent else "NULL"
    created = "UTC_TIMESTAMP(6) - INTERVAL 2 HOUR"
    async with connected(db) as cursor:
        for start in range(first, first + count, INSERT_CHUNK):
            stop = min(start + INSERT_CHUNK, first + count) - 1
            await cursor.execute(
                "INSERT INTO messages (content, phone_number, status, message_id, sent_at, "
                "attempts, next_attempt_at, idempotency_key, created_at, updated_at) "
                f"SELECT {CONTENT_SQL}, {PHONE_SQL}, %s, {webhook_id}, {sent_at}, %s, "
                f"{created}, UUID(), {created}, {created} FROM seq_{start}_to_{stop}",
                (status, 1 if sent else 0),
            )


async def settle(db: BenchDatabase, within: float = 20.0) -> float:
    """Wait (up to `within` seconds) until InnoDB has flushed what a bulk load dirtied, so
    its background writes do not land in a measurement. Returns the seconds waited."""
    started = time.monotonic()
    async with connected(db, use_database=False) as cursor:
        while time.monotonic() - started < within:
            await cursor.execute(
                "SHOW GLOBAL STATUS WHERE Variable_name IN "
                "('Innodb_buffer_pool_pages_dirty', 'Innodb_buffer_pool_pages_total')"
            )
            status = {name: int(value) for name, value in await cursor.fetchall()}
            if status["Innodb_buffer_pool_pages_dirty"] <= SETTLED_DIRTY_SHARE * max(
                status["Innodb_buffer_pool_pages_total"], 1
            ):
                break
            await asyncio.sleep(0.5)
    return time.monotonic() - started


async def status_counts(cursor: Any) -> dict[str, int]:
    await cursor.execute("SELECT status, COUNT(*) FROM messages GROUP BY status")
    return {str(status): int(count) for status, count in await cursor.fetchall()}


async def sent_span(cursor: Any) -> tuple[datetime | None, datetime | None]:
    """The first and the last sentAt of the sent messages."""
    await cursor.execute("SELECT MIN(sent_at), MAX(sent_at) FROM messages WHERE status = 'sent'")
    first, last = await cursor.fetchone()
    return first, last
