"""Opening a PostgreSQL store from the settings: the container, `insider migrate`, a missing
database created, and credentials the server refuses stopping start-up with one line."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from adapters.postgres import PostgresMessageRepository
from adapters.postgres.migrations import load_migrations
from contract.postgres_databases import PostgresScratch, postgres_scratch
from entrypoints.cli import main
from entrypoints.container import Container, close_container, open_container, resolve
from entrypoints.settings import load_settings

pytestmark = pytest.mark.postgres


@pytest.fixture
def fresh_database(postgres_url: str) -> Iterator[PostgresScratch]:
    with postgres_scratch(postgres_url) as database:
        yield database


async def test_a_postgresql_url_opens_a_migrated_postgresql_store_creating_its_database(
    fresh_database: PostgresScratch,
) -> None:
    container = Container(settings=load_settings({"DATABASE_URL": fresh_database.url}))
    await open_container(container)
    try:
        repository = await resolve(container.repository)
        assert isinstance(repository, PostgresMessageRepository)
        assert await repository.ping()
        assert await repository.migrate() == []
    finally:
        await close_container(container)


async def test_migrate_applies_the_missing_migrations_once(
    fresh_database: PostgresScratch,
) -> None:
    env = {"DATABASE_URL": fresh_database.url.replace("postgresql://", "postgres://")}

    first = await asyncio.to_thread(CliRunner().invoke, main, ["migrate"], env=env)
    second = await asyncio.to_thread(CliRunner().invoke, main, ["migrate"], env=env)

    assert first.exit_code == 0, first.output
    names = ", ".join(migration.name for migration in load_migrations())
    assert first.output.strip() == f"Applied migrations: {names}"
    assert second.output.strip() == "The schema is up to date."


async def test_three_processes_opening_a_fresh_database_apply_each_migration_once(
    fresh_database: PostgresScratch,
) -> None:
    opened = await asyncio.gather(*(fresh_database.open_repository() for _ in range(3)))
    try:
        rows = await fresh_database.query("SELECT name FROM schema_migrations ORDER BY name")
        assert [name for (name,) in rows] == [m.name for m in load_migrations()]
        assert all([await repository.ping() for repository in opened])
    finally:
        for repository in opened:
            await repository.close()


async def test_concurrent_migrations_share_the_work_without_repeating_any(
    fresh_database: PostgresScratch,
) -> None:
    opened = await asyncio.gather(
        *(fresh_database.open_repository(migrate=False) for _ in range(3))
    )
    try:
        applied = await asyncio.gather(*(repository.migrate() for repository in opened))

        assert sorted(name for names in applied for name in names) == [
            m.name for m in load_migrations()
        ]
        assert sum(1 for names in applied if names) == 1
    finally:
        for repository in opened:
            await repository.close()


@pytest.mark.parametrize("command", ["migrate", "serve"])
async def test_refused_credentials_stop_the_command_with_one_line_and_exit_code_3(
    postgres_url: str, command: str
) -> None:
    server = urlsplit(postgres_url)
    host, port = server.hostname or "127.0.0.1", server.port or 5432
    url = f"postgresql://no_such_user_insider:wrong@{host}:{port}/insider_messages"

    result = await asyncio.to_thread(CliRunner().invoke, main, [command], env={"DATABASE_URL": url})

    assert result.exit_code == 3
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        "database unreachable at "
        f"postgresql://no_such_user_insider:***@{host}:{port}/insider_messages: "
    )
    assert "no_such_user_insider" in line.split(": ", 1)[1]
    assert "wrong" not in result.output
