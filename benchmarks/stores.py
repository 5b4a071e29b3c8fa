"""The stores the budgets are measured on, one per DATABASE_URL: recreated, migrated by the
product, and filled straight in SQL (no API, no Python per row), so a million rows take
seconds. A store kind is one class here, chosen by the URL's scheme."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiomysql
import asyncpg

from entrypoints.resources import opened_repository
from entrypoints.settings import MySqlTarget, PostgresTarget, load_settings
from entrypoints.settings.targets import parse_database_url

# The texts the raw-limit client sends too, so both POST payloads of the same size.
CONTENT = "Benchmark message {n}: your order has shipped and arrives tomorrow."
PHONE = "+90555{n:07d}"
CHUNK = 100_000
SETTLED_DIRTY_SHARE = 0.05


def content_for(n: int) -> str:
    return CONTENT.format(n=n)


def phone_for(n: int) -> str:
    return PHONE.format(n=n)


def server_of(url: str) -> tuple[str, int, str, str, str]:
    """(host, port, user, password, database) of a server's DATABASE_URL, as the product reads
    it."""
    target = parse_database_url(url)
    if not isinstance(target, MySqlTarget | PostgresTarget):
        raise ValueError(f"not a database server's URL: {target.shown_url}")
    return target.host, target.port, target.user, target.password, target.database


async def created_by_the_product(url: str) -> None:
    """The database created and migrated as the service does at start-up, then closed."""
    async with opened_repository(load_settings({"DATABASE_URL": url})):
        pass


class Mix(Protocol):
    @property
    def pending(self) -> int: ...

    @property
    def failed(self) -> int: ...

    @property
    def sent(self) -> int: ...


class Store(Protocol):
    url: str
    server_process: str
    """The database server's process name (/proc/<pid>/comm), whose CPU is reported."""

    async def recreate(self) -> str:
        """Drop the database, let the product create and migrate it; returns the server's
        version."""
        ...

    async def load(self, mix: Mix) -> None:
        """Sent messages (each with its attempt), failed ones, then pending ones due now: the
        newest rows are the pending ones, as in a store that keeps receiving."""
        ...

    async def unfinished(self) -> int:
        """Pending and sending messages."""
        ...

    async def notes(self) -> list[str]:
        """What of the server's configuration a reader of its figures should know."""
        ...


class MariaDb:
    """MariaDB (or MySQL): rows from the sequence engine (`seq_1_to_N`), 100,000 a statement."""

    server_process = "mariadbd"

    def __init__(self, url: str) -> None:
        self.url = url
        self.host, self.port, self.user, self.password, self.database = server_of(url)

    @asynccontextmanager
    async def cursor(self, *, use_database: bool = True) -> AsyncIterator[Any]:
        db = self.database if use_database else None
        connection = await aiomysql.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            db=db,
            autocommit=True,
        )
        try:
            async with connection.cursor() as cursor:
                yield cursor
        finally:
            connection.close()

    async def recreate(self) -> str:
        async with self.cursor(use_database=False) as cursor:
            await cursor.execute(f"DROP DATABASE IF EXISTS `{self.database}`")
            await cursor.execute("SELECT VERSION()")
            (version,) = await cursor.fetchone()
        await created_by_the_product(self.url)
        name = "MariaDB" if "MariaDB" in version else "MySQL"
        return f"{name} {version.split('-')[0]}"

    async def load(self, mix: Mix) -> None:
        first = 1
        for status, count in (("sent", mix.sent), ("failed", mix.failed), ("pending", mix.pending)):
            await self._insert(status, first, count)
            first += count
        async with self.cursor() as cursor:
            await cursor.execute(
                "INSERT INTO delivery_attempts (message_id, attempt_number, started_at, "
                "duration_ms, http_status) SELECT id, 1, updated_at, 3, "
                "IF(status = 'sent', 202, 500) FROM messages WHERE status <> 'pending'"
            )
            await cursor.execute("ANALYZE TABLE messages, delivery_attempts")
        await self._settle()

    async def _insert(self, status: str, first: int, count: int) -> None:
        done = status != "pending"
        receipt = "REPLACE(UUID(), '-', '')" if status == "sent" else "NULL"
        sent_at = "UTC_TIMESTAMP(6) - INTERVAL 1 HOUR" if status == "sent" else "NULL"
        error = "'HTTP 500'" if status == "failed" else "NULL"
        created = "UTC_TIMESTAMP(6) - INTERVAL 2 HOUR"
        async with self.cursor() as cursor:
            for start in range(first, first + count, CHUNK):
                stop = min(start + CHUNK, first + count) - 1
                await cursor.execute(
                    "INSERT INTO messages (content, phone_number, status, message_id, sent_at, "
                    "attempts, next_attempt_at, last_error, idempotency_key, created_at, "
                    "updated_at) SELECT CONCAT('Benchmark message ', seq, "
                    "': your order has shipped and arrives tomorrow.'), "
                    f"CONCAT('+90555', LPAD(seq, 7, '0')), %s, {receipt}, {sent_at}, %s, "
                    f"{created}, {error}, UUID(), {created}, {created} FROM seq_{start}_to_{stop}",
                    (status, int(done)),
                )

    async def _settle(self, within: float = 15.0) -> None:
        """Until InnoDB has flushed what the load dirtied, so its background writes do not
        land in a measurement."""
        deadline = time.monotonic() + within
        async with self.cursor(use_database=False) as cursor:
            while time.monotonic() < deadline:
                await cursor.execute(
                    "SHOW GLOBAL STATUS WHERE Variable_name IN "
                    "('Innodb_buffer_pool_pages_dirty', 'Innodb_buffer_pool_pages_total')"
                )
                pages = {name: int(value) for name, value in await cursor.fetchall()}
                total = max(pages["Innodb_buffer_pool_pages_total"], 1)
                if pages["Innodb_buffer_pool_pages_dirty"] <= SETTLED_DIRTY_SHARE * total:
                    return
                await asyncio.sleep(0.5)

    async def unfinished(self) -> int:
        async with self.cursor() as cursor:
            await cursor.execute(
                "SELECT COUNT(*) FROM messages WHERE status IN ('pending', 'sending')"
            )
            (count,) = await cursor.fetchone()
        return int(count)

    async def notes(self) -> list[str]:
        return []


class PostgreSql:
    """PostgreSQL: rows from `generate_series`, 100,000 a statement. Its CPU is the sum over
    every `postgres` process (one per connection); the pools keep theirs open all run."""

    server_process = "postgres"

    def __init__(self, url: str) -> None:
        self.url = url
        self.host, self.port, self.user, self.password, self.database = server_of(url)

    async def connect(self, database: str | None = None) -> asyncpg.Connection[Any]:
        return await asyncpg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            database=database or self.database,
        )

    async def recreate(self) -> str:
        connection = await self.connect("postgres")
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            version = await connection.fetchval("SHOW server_version")
        finally:
            await connection.close()
        await created_by_the_product(self.url)
        return f"PostgreSQL {version.split()[0]}"

    async def load(self, mix: Mix) -> None:
        connection = await self.connect()
        try:
            first = 1
            for status, count in (
                ("sent", mix.sent),
                ("failed", mix.failed),
                ("pending", mix.pending),
            ):
                for start in range(first, first + count, CHUNK):
                    stop = min(start + CHUNK, first + count) - 1
                    await connection.execute(self._insert(status), status, start, stop)
                first += count
            await connection.execute(
                "INSERT INTO delivery_attempts (message_id, attempt_number, started_at, "
                "duration_ms, http_status) SELECT id, 1, updated_at, 3, "
                "CASE status WHEN 'sent' THEN 202 ELSE 500 END FROM messages "
                "WHERE status <> 'pending'"
            )
            await connection.execute("VACUUM ANALYZE messages, delivery_attempts")
            await connection.execute("CHECKPOINT")
        finally:
            await connection.close()

    @staticmethod
    def _insert(status: str) -> str:
        done = status != "pending"
        receipt = "replace(gen_random_uuid()::text, '-', '')" if status == "sent" else "NULL"
        sent_at = "now() - interval '1 hour'" if status == "sent" else "NULL"
        error = "'HTTP 500'" if status == "failed" else "NULL"
        created = "now() - interval '2 hours'"
        return (
            "INSERT INTO messages (content, phone_number, status, message_id, sent_at, "
            "attempts, next_attempt_at, last_error, created_at, updated_at) "
            "SELECT 'Benchmark message ' || seq || ': your order has shipped and arrives "
            "tomorrow.', '+90555' || lpad(seq::text, 7, '0'), $1, "
            f"{receipt}, {sent_at}, {int(done)}, {created}, {error}, {created}, {created} "
            "FROM generate_series($2::bigint, $3::bigint) AS seq"
        )

    async def unfinished(self) -> int:
        connection = await self.connect()
        try:
            count = await connection.fetchval(
                "SELECT COUNT(*) FROM messages WHERE status IN ('pending', 'sending')"
            )
        finally:
            await connection.close()
        return int(count)

    async def notes(self) -> list[str]:
        connection = await self.connect()
        try:
            autovacuum = await connection.fetchval("SHOW autovacuum")
        finally:
            await connection.close()
        if autovacuum == "on":
            return []
        return ["autovacuum is off on this server: dead row versions stay until the run ends"]


STORES: dict[str, type[MariaDb] | type[PostgreSql]] = {
    "mysql": MariaDb,
    "postgresql": PostgreSql,
    "postgres": PostgreSql,
}
"""By DATABASE_URL scheme."""


def store_for(url: str) -> Store:
    scheme = urlsplit(url).scheme
    if scheme not in STORES:
        raise SystemExit(f"no benchmark store for {scheme}:// (known: {', '.join(STORES)})")
    return STORES[scheme](url)
