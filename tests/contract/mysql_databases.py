"""Throwaway MySQL databases for the contract tests: every run creates its own, named
`insider_test_<random hex>`, and drops it at the end, so runs never see each other's rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import aiomysql
import msgspec
import pymysql

from adapters.mysql import MySqlMessageRepository
from adapters.mysql.database import Database, ServerSettings


class MySqlServer(msgspec.Struct, frozen=True, kw_only=True):
    host: str
    port: int
    user: str
    password: str

    @classmethod
    def from_url(cls, url: str) -> MySqlServer:
        parts = urlsplit(url)
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
        )


class ScratchDatabase(msgspec.Struct, frozen=True, kw_only=True):
    server: MySqlServer
    name: str

    @property
    def url(self) -> str:
        """As DATABASE_URL gives it."""
        server = self.server
        credentials = quote(server.user, safe="") + ":" + quote(server.password, safe="")
        return f"mysql://{credentials}@{server.host}:{server.port}/{self.name}"

    def url_at(self, host: str, port: int) -> str:
        """DATABASE_URL through another address (a proxy in front of the server)."""
        server = self.server
        credentials = server.user + (f":{server.password}" if server.password else "")
        return f"mysql://{credentials}@{host}:{port}/{self.name}"

    async def open_repository(self, **overrides: Any) -> MySqlMessageRepository:
        options: dict[str, Any] = {
            "host": self.server.host,
            "port": self.server.port,
            "user": self.server.user,
            "password": self.server.password,
            "database": self.name,
            "pool_maxsize": 4,
        }
        return await MySqlMessageRepository.open(**(options | overrides))

    async def open_database(self) -> Database:
        """The store's own pool over this database, of one connection."""
        server = self.server
        settings = ServerSettings(
            host=server.host,
            port=server.port,
            user=server.user,
            password=server.password,
            database=self.name,
        )
        return await Database.open(settings, minsize=1, maxsize=1, recycle=60)

    async def connect(self) -> aiomysql.Connection:
        """A connection of its own, in autocommit, as another system's would be."""
        return await aiomysql.connect(
            host=self.server.host,
            port=self.server.port,
            user=self.server.user,
            password=self.server.password,
            db=self.name,
            charset="utf8mb4",
            autocommit=True,
        )

    async def query(
        self, statement: str, params: Sequence[Any] = (), *, after: str | None = None
    ) -> list[tuple[Any, ...]]:
        """Run one statement on a connection of its own (after the statement `after`, when
        given); returns its rows, if any."""
        connection = await self.connect()
        try:
            async with connection.cursor() as cursor:
                if after is not None:
                    await cursor.execute(after)
                await cursor.execute(statement, params)
                return list(await cursor.fetchall())
        finally:
            connection.close()

    async def empty(self) -> None:
        for table in ("messages", "delivery_attempts", "shared_records"):
            await self.query(f"TRUNCATE TABLE {table}")
        await self.query("UPDATE message_counts SET messages = 0")  # TRUNCATE fires no trigger
        await self.query("UPDATE send_slots SET next_free = NULL")

    def create(self) -> None:
        """Empty, as another service would have created it."""
        self._on_server(
            f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )

    def drop(self) -> None:
        self._on_server(f"DROP DATABASE IF EXISTS `{self.name}`")

    def _on_server(self, statement: str) -> None:
        connection = pymysql.connect(
            host=self.server.host,
            port=self.server.port,
            user=self.server.user,
            password=self.server.password,
            autocommit=True,
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()


@contextmanager
def scratch_database(url: str) -> Iterator[ScratchDatabase]:
    """A database name no one uses yet; the repository creates it on open, this drops it."""
    database = ScratchDatabase(
        server=MySqlServer.from_url(url), name=f"insider_test_{uuid.uuid4().hex[:16]}"
    )
    try:
        yield database
    finally:
        database.drop()
