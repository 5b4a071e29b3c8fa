"""The SQL stores' pools: requests waiting for a connection get one first come, first served,
so a request is never passed over by newcomers while the pool is busy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from contract.mysql_databases import ScratchDatabase
from contract.postgres_databases import PostgresScratch


@pytest.fixture(
    params=[
        pytest.param("mysql", marks=pytest.mark.mysql),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
async def pool_of_one(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """The store's own pool of one connection over a scratch database."""
    name = "scratch" if request.param == "mysql" else "pg_scratch"
    scratch: ScratchDatabase | PostgresScratch = request.getfixturevalue(name)
    database = await scratch.open_database()
    yield database
    await database.close()


async def test_requests_waiting_for_a_connection_get_one_in_the_order_they_asked(
    pool_of_one: Any,
) -> None:
    served: list[str] = []

    async def use_a_connection(name: str) -> None:
        async with pool_of_one.connection():
            served.append(name)

    async with pool_of_one.connection():
        waiting = [asyncio.create_task(use_a_connection(name)) for name in ("first", "second")]
        await asyncio.sleep(0.1)  # both wait for the one connection
    # Given back, and asked for again at once by a newcomer: it waits its turn.
    await use_a_connection("newcomer")
    await asyncio.gather(*waiting)

    assert served == ["first", "second", "newcomer"]
