"""Versioned schema changes: the SQL files in `schema/`, applied once each, in name order."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib.resources import files
from typing import NamedTuple

import aiosqlite

from adapters.sqlite.connection import transaction
from adapters.sqlite.rows import to_db_time

CREATE_SCHEMA_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    name TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
)
"""
STATEMENT_END = re.compile(r";[ \t]*(?:\n|$)")


class Migration(NamedTuple):
    name: str
    statements: list[str]


def load_migrations() -> list[Migration]:
    schema = files("adapters.sqlite").joinpath("schema")
    scripts = sorted(
        (entry for entry in schema.iterdir() if entry.name.endswith(".sql")),
        key=lambda entry: entry.name,
    )
    return [
        Migration(entry.name.removesuffix(".sql"), split_statements(entry.read_text("utf-8")))
        for entry in scripts
    ]


def split_statements(script: str) -> list[str]:
    """Statements end with a semicolon at the end of a line."""
    chunks = (chunk.strip() for chunk in STATEMENT_END.split(script))
    return [chunk for chunk in chunks if _has_code(chunk)]


async def apply_migrations(connection: aiosqlite.Connection) -> list[str]:
    """Apply the missing migrations in one transaction; the write lock it takes makes a
    second process wait and then find nothing left to do. Returns the names applied."""
    applied_now: list[str] = []
    async with transaction(connection):
        await connection.execute(CREATE_SCHEMA_MIGRATIONS)
        rows = await connection.execute_fetchall("SELECT name FROM schema_migrations")
        applied = {row[0] for row in rows}
        for migration in load_migrations():
            if migration.name in applied:
                continue
            for statement in migration.statements:
                await connection.execute(statement)
            await connection.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                (migration.name, to_db_time(datetime.now(UTC))),
            )
            applied_now.append(migration.name)
    return applied_now


def _has_code(chunk: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in chunk.splitlines())
