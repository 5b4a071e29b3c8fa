"""The delivery state machine of tests/unit, run against the real SQL repositories."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from adapters.sqlite import SqliteMessageRepository
from contract.mysql_databases import ScratchDatabase
from contract.postgres_databases import PostgresScratch
from insider_core import MessageRepository
from support.delivery_machine import delivery_machine

SQL_SETTINGS = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def test_the_delivery_lifecycle_holds_over_sqlite(tmp_path: Path) -> None:
    files = iter(range(1_000_000))

    @asynccontextmanager
    async def fresh_sqlite() -> AsyncIterator[MessageRepository]:
        repository = await SqliteMessageRepository.open(str(tmp_path / f"{next(files)}.db"))
        try:
            yield repository
        finally:
            await repository.close()

    run_state_machine_as_test(delivery_machine(fresh_sqlite), settings=SQL_SETTINGS)


@pytest.mark.mysql
def test_the_delivery_lifecycle_holds_over_mysql(scratch: ScratchDatabase) -> None:
    @asynccontextmanager
    async def fresh_mysql() -> AsyncIterator[MessageRepository]:
        repository = await scratch.open_repository(pool_maxsize=2)
        await scratch.empty()
        try:
            yield repository
        finally:
            await repository.close()

    run_state_machine_as_test(delivery_machine(fresh_mysql), settings=SQL_SETTINGS)


@pytest.mark.postgres
def test_the_delivery_lifecycle_holds_over_postgresql(pg_scratch: PostgresScratch) -> None:
    @asynccontextmanager
    async def fresh_postgres() -> AsyncIterator[MessageRepository]:
        repository = await pg_scratch.open_repository(pool_maxsize=2)
        await pg_scratch.empty()
        try:
            yield repository
        finally:
            await repository.close()

    run_state_machine_as_test(delivery_machine(fresh_postgres), settings=SQL_SETTINGS)
