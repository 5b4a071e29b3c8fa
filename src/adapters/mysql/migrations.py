"""Versioned schema changes: the SQL files in `schema/`, applied once each, in name order.

MySQL commits every DDL statement on its own, so a transaction cannot make a migration
atomic; instead a named server lock (GET_LOCK) lets one process at a time apply them, and the
others then find nothing left to do."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import aiomysql

from adapters.mysql.adoption import FIRST_MIGRATION, adopt_existing_messages
from adapters.mysql.database import Database
from adapters.mysql.rows import to_db_time
from adapters.sql.migrations import Migration
from adapters.sql.migrations import load_migrations as load_scripts

LOCK_TIMEOUT_SECONDS = 60
SCHEMA_MIGRATIONS_EXISTS = (
    "SELECT 1 FROM information_schema.TABLES "
    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_migrations'"
)
CREATE_SCHEMA_MIGRATIONS = """
CREATE TABLE schema_migrations (
    name VARCHAR(191) NOT NULL PRIMARY KEY,
    applied_at DATETIME(6) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4
"""


class MigrationLockTimeout(RuntimeError):
    def __init__(self, database: str) -> None:
        super().__init__(
            f"another process held the migration lock of {database!r} "
            f"for more than {LOCK_TIMEOUT_SECONDS} s"
        )


async def apply_migrations(database: Database) -> list[str]:
    """Apply the missing migrations under the database's migration lock; returns their names."""
    lock = migration_lock_name(database.name)
    async with database.connection() as connection, connection.cursor() as cursor:
        await cursor.execute("SELECT GET_LOCK(%s, %s)", (lock, LOCK_TIMEOUT_SECONDS))
        (acquired,) = await cursor.fetchone()
        if acquired != 1:
            raise MigrationLockTimeout(database.name)
        try:
            applied = await _apply_missing(cursor, database.name)
        except BaseException:
            connection.close()  # the server releases the lock with the session
            raise
        await cursor.execute("SELECT RELEASE_LOCK(%s)", (lock,))
    return applied


def migration_lock_name(database: str) -> str:
    """Server-wide, so named after the database; hashed to fit the 64-character limit."""
    return "insider_migrations_" + hashlib.sha1(database.encode()).hexdigest()


async def _apply_missing(cursor: aiomysql.Cursor, database: str) -> list[str]:
    if not await cursor.execute(SCHEMA_MIGRATIONS_EXISTS):
        await cursor.execute(CREATE_SCHEMA_MIGRATIONS)
    await cursor.execute("SELECT name FROM schema_migrations")
    done = {name for (name,) in await cursor.fetchall()}
    applied: list[str] = []
    if FIRST_MIGRATION not in done and await adopt_existing_messages(cursor, database):
        await _record(cursor, FIRST_MIGRATION)
        done.add(FIRST_MIGRATION)
        applied.append(FIRST_MIGRATION + " (adopted the existing messages table)")
    for migration in load_migrations():
        if migration.name in done:
            continue
        for statement in migration.statements:
            await cursor.execute(statement)
        await _record(cursor, migration.name)
        applied.append(migration.name)
    return applied


async def _record(cursor: aiomysql.Cursor, name: str) -> None:
    await cursor.execute(
        "INSERT INTO schema_migrations (name, applied_at) VALUES (%s, %s)",
        (name, to_db_time(datetime.now(UTC))),
    )


def load_migrations() -> list[Migration]:
    return load_scripts("adapters.mysql")
