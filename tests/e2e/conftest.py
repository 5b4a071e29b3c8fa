from __future__ import annotations

from collections.abc import Iterator

import pytest

from contract.mysql_databases import ScratchDatabase, scratch_database


@pytest.fixture
def mysql_database(mysql_url: str) -> Iterator[ScratchDatabase]:
    with scratch_database(mysql_url) as database:
        yield database


def database_url(database: ScratchDatabase) -> str:
    server = database.server
    credentials = server.user + (f":{server.password}" if server.password else "")
    return f"mysql://{credentials}@{server.host}:{server.port}/{database.name}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def redis_e2e_url(redis_url: str) -> str:
    """A Redis database of the end-to-end tests' own, emptied before each test."""
    import redis

    url = redis_url.rsplit("/", 1)[0] + "/14"
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()
    return url
