"""Throwaway PostgreSQL databases for the contract tests: every run creates its own, named
`insider_test_<random hex>`, and drops it at the end, so runs never see each other's rows."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import asyncpg
import msgspec

from adapters.postgres import PostgresMessageRepository
from adapters.postgres.database import Database, ServerSettings


class PostgresServer(msgspec.Struct, frozen=True, kw_only=True):
    host: str
    port: int
    user: str
    password: str

    @classmethod
    def from_url(cls, url: str) -> PostgresServer:
        parts = urlsplit(url)
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
        )


class PostgresScratch(msgspec.Struct, frozen=True, kw_only=True):
    server: PostgresServer
    name: str

    @property
    def url(self) -> str:
        """As DATABASE_URL gives it."""
        return self.url_at(self.server.host, self.server.port)

    def url_at(self, host: str, port: int) -> str:
        """DATABASE_URL through another address (a proxy in front of the server)."""
        server = self.server
        credentials = quote(server.user, safe="")
        if server.password:
            credentials += ":" + quote(server.password, safe="")
        return f"postgresql://{credentials}@{host}:{port}/{self.name}"

    async def open_repository(self, **overrides: Any) -> PostgresMessageRepository:
        options: dict[str, Any] = {
            "host": self.server.host,
            "port": self.server.port,
            "user": self.server.user,
            "password": self.server.password,
            "database": self.name,
            "pool_maxsize": 4,
        }
        return await PostgresMessageRepository.open(**(options | overrides))

    async def open_database(self) -> Database:
        """The store's own pool over this database, of one session."""
        server = self.server
        settings = ServerSettings(
            host=server.host,
            port=server.port,
            user=server.user,
            password=server.password,
            database=self.name,
        )
        return await Database.open(settings, min_size=1, max_size=1, recycle=60)

    async def connect(self, database: str | None = None) -> asyncpg.Connection[asyncpg.Record]:
        """A connection of its own, as another system's would be."""
        return await asyncpg.connect(
            host=self.server.host,
            port=self.server.port,
            user=self.server.user,
            password=self.server.password or None,
            database=database or self.name,
        )

    async def query(
        self, statement: str, params: Sequence[Any] = (), *, after: str | None = None
    ) -> list[tuple[Any, ...]]:
        """Run one statement on a connection of its own (after the statement `after`, when
        given); returns its rows, if any."""
        connection = await self.connect()
        try:
            if after is not None:
                await connection.execute(after)
            return [tuple(row) for row in await connection.fetch(statement, *params)]
        finally:
            await connection.close()

    async def empty(self) -> None:
        await self.query(
            "TRUNCATE messages, delivery_attempts, message_counts, shared_records RESTART IDENTITY"
        )
        await self.query("UPDATE send_slots SET next_free = NULL")

    def create(self) -> None:
        """Empty, as another service would have created it."""
        self._on_server(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._on_server(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _on_server(self, statement: str) -> None:
        """From synchronous code, in a thread of its own (an event loop may be running)."""
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, self._run_on_server(statement)).result()

    async def _run_on_server(self, statement: str) -> None:
        connection = await self.connect("postgres")
        try:
            await connection.execute(statement)
        finally:
            await connection.close()


@contextmanager
def postgres_scratch(url: str) -> Iterator[PostgresScratch]:
    """A database name no one uses yet; the repository creates it on open, this drops it."""
    database = PostgresScratch(
        server=PostgresServer.from_url(url), name=f"insider_test_{uuid.uuid4().hex[:16]}"
    )
    try:
        yield database
    finally:
        database.drop()
