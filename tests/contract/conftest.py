"""Fixtures the MySQL contract tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from adapters.mysql import MySqlMessageRepository
from contract.mysql_databases import ScratchDatabase, scratch_database


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
