"""Fixtures the MySQL and PostgreSQL contract tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from adapters.mysql import MySqlMessageRepository
from adapters.postgres import PostgresMessageRepository
from contract.mysql_databases import ScratchDatabase, scratch_database
from contract.postgres_databases import PostgresScratch, postgres_scratch


@pytest.fixture(scope="module")
def scratch(mysql_url: str) -> Iterator[ScratchDatabase]:
    """A throwaway database of this test module's own, dropped at its end."""
    with scratch_database(mysql_url) as database:
        yield database


@pytest.fixture
async def mysql_repository(scratch: ScratchDatabase) -> AsyncIterator[MySqlMessageRepository]:
    """A repository over the module's database, emptied first."""
    repository = await scratch.open_repository()
    await scratch.empty()
    yield repository
    await repository.close()


@pytest.fixture(scope="module")
def pg_scratch(postgres_url: str) -> Iterator[PostgresScratch]:
    """A throwaway PostgreSQL database of this test module's own, dropped at its end."""
    with postgres_scratch(postgres_url) as database:
        yield database


@pytest.fixture
async def postgres_repository(
    pg_scratch: PostgresScratch,
) -> AsyncIterator[PostgresMessageRepository]:
    """A repository over the module's database, emptied first."""
    repository = await pg_scratch.open_repository()
    await pg_scratch.empty()
    yield repository
    await repository.close()
