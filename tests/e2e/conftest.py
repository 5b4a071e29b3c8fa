from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from contract.mysql_databases import ScratchDatabase, scratch_database
from contract.postgres_databases import PostgresScratch, postgres_scratch
from e2e.launcher import Launcher
from e2e.tcp_proxy import TcpProxy

# Developers running suites side by side on one machine give each its own database.
E2E_REDIS_DB = int(os.environ.get("TEST_E2E_REDIS_DB", "13"))


@pytest.fixture
def mysql_database(mysql_url: str) -> Iterator[ScratchDatabase]:
    with scratch_database(mysql_url) as database:
        yield database


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[PostgresScratch]:
    with postgres_scratch(postgres_url) as database:
        yield database


SqlDatabase = ScratchDatabase | PostgresScratch


@pytest.fixture(params=["mariadb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sql_database(request: pytest.FixtureRequest) -> SqlDatabase:
    """A scratch database of each server the service runs on in production."""
    fixture = "mysql_database" if request.param == "mariadb" else "postgres_database"
    database: SqlDatabase = request.getfixturevalue(fixture)
    return database


@pytest.fixture
def sql_stores(sql_database: SqlDatabase, redis_e2e_url: str) -> dict[str, str]:
    """DATABASE_URL and REDIS_URL of a scratch database of each server and the e2e Redis
    database."""
    return {"DATABASE_URL": database_url(sql_database), "REDIS_URL": redis_e2e_url}


@pytest.fixture
def sql_proxy(sql_database: SqlDatabase) -> Iterator[TcpProxy]:
    proxy = TcpProxy(sql_database.server.host, sql_database.server.port).start()
    try:
        yield proxy
    finally:
        proxy.close()


def database_url(database: SqlDatabase, port: int | None = None) -> str:
    """The service's DATABASE_URL; `port` points it at a proxy on this host instead."""
    if port is None:
        return database.url_at(database.server.host, database.server.port)
    return database.url_at("127.0.0.1", port)


def count_by_status(database: SqlDatabase) -> dict[str, int]:
    """Read straight from the database, for when no service is running to ask."""
    rows = asyncio.run(database.query("SELECT status, COUNT(*) FROM messages GROUP BY status"))
    return dict(rows)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def redis_e2e_url(redis_url: str) -> str:
    """A Redis database of the end-to-end tests' own, emptied before each test. Not 15 (the
    contract tests) nor 14 (the benchmarks), which may run at the same time on one machine."""
    import redis

    url = redis_url.rsplit("/", 1)[0] + f"/{E2E_REDIS_DB}"
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()
    return url


@pytest.fixture
def stores(mysql_database: ScratchDatabase, redis_e2e_url: str) -> dict[str, str]:
    """DATABASE_URL and REDIS_URL of a scratch MariaDB database and the e2e Redis database."""
    return {"DATABASE_URL": database_url(mysql_database), "REDIS_URL": redis_e2e_url}


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launcher]:
    launcher = Launcher(tmp_path)
    try:
        yield launcher
    finally:
        launcher.stop_all()


@pytest.fixture
def redis_proxy(redis_e2e_url: str) -> Iterator[TcpProxy]:
    parts = urlsplit(redis_e2e_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 6379).start()
    try:
        yield proxy
    finally:
        proxy.close()
