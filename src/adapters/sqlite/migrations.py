"""Versioned schema changes: the SQL files in `schema/`, applied once each, in name order."""

from __future__ import annotations

from datetime import UTC, datetime

import aiosqlite

from adapters.sql.migrations import Migration
from adapters.sql.migrations import load_migrations as load_scripts
from adapters.sqlite.connection import transaction
from adapters.sqlite.rows import to_db_text

CREATE_SCHEMA_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    name TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
)
"""


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
                (migration.name, to_db_text(datetime.now(UTC))),
            )
            applied_now.append(migration.name)
    return applied_now


def load_migrations() -> list[Migration]:
    return load_scripts("adapters.sqlite")
