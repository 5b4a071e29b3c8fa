from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from contract.mysql_databases import ScratchDatabase, scratch_database
from e2e.launcher import Launcher
from e2e.tcp_proxy import TcpProxy

# Developers running suites side by side on one machine give each its own database.
E2E_REDIS_DB = int(os.environ.get("TEST_E2E_REDIS_DB", "13"))


@pytest.fixture
def mysql_database(mysql_url: str) -> Iterator[ScratchDatabase]:
    with scratch_database(mysql_url) as database:
        yield database


def database_url(database: ScratchDatabase, port: int | None = None) -> str:
    """The service's DATABASE_URL; `port` points it at a proxy on this host instead."""
    server = database.server
    credentials = server.user + (f":{server.password}" if server.password else "")
    address = f"{server.host}:{server.port}" if port is None else f"127.0.0.1:{port}"
    return f"mysql://{credentials}@{address}/{database.name}"


def count_by_status(database: ScratchDatabase) -> dict[str, int]:
    """Read straight from MariaDB, for when no service is running to ask."""
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
def mysql_proxy(mysql_database: ScratchDatabase) -> Iterator[TcpProxy]:
    proxy = TcpProxy(mysql_database.server.host, mysql_database.server.port).start()
    try:
        yield proxy
    finally:
        proxy.close()


@pytest.fixture
def redis_proxy(redis_e2e_url: str) -> Iterator[TcpProxy]:
    parts = urlsplit(redis_e2e_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 6379).start()
    try:
        yield proxy
    finally:
        proxy.close()
