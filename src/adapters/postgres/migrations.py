"""Versioned schema changes: the SQL files in `schema/`, applied once each, in name order.

PostgreSQL changes its schema inside transactions, so each migration is applied whole or not
at all, together with the row that records it. A session-level advisory lock lets one process
at a time apply them; the others wait, then find nothing left to do."""

from __future__ import annotations

from adapters.postgres.database import Database, Session
from adapters.sql.migrations import Migration
from adapters.sql.migrations import load_migrations as load_scripts

LOCK_TIMEOUT_SECONDS = 60
# Advisory locks belong to one database, so one key serves every database on a server.
LOCK_KEY = "SELECT hashtext('insider-dispatch schema migrations')"
CREATE_SCHEMA_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    name TEXT PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""


class MigrationLockTimeout(RuntimeError):
    def __init__(self, database: str) -> None:
        super().__init__(
            f"another process held the migration lock of {database!r} "
            f"for more than {LOCK_TIMEOUT_SECONDS} s"
        )


async def apply_migrations(database: Database) -> list[str]:
    """Apply the missing migrations under the database's migration lock; returns their names."""
    async with database.connection() as session:
        try:
            await session.execute(
                f"SELECT pg_advisory_lock(({LOCK_KEY}))", timeout=LOCK_TIMEOUT_SECONDS
            )
        except TimeoutError as error:
            raise MigrationLockTimeout(database.name) from error
        try:
            return await _apply_missing(session)
        finally:
            try:
                await session.execute(f"SELECT pg_advisory_unlock(({LOCK_KEY}))")
            except Exception:
                session.terminate()  # the server releases the lock as it ends the session


async def _apply_missing(session: Session) -> list[str]:
    await session.execute(CREATE_SCHEMA_MIGRATIONS)
    done = {row[0] for row in await session.fetch("SELECT name FROM schema_migrations")}
    applied: list[str] = []
    for migration in load_migrations():
        if migration.name in done:
            continue
        async with session.transaction():
            for statement in migration.statements:
                await session.execute(statement)
            await session.execute(
                "INSERT INTO schema_migrations (name) VALUES ($1)", migration.name
            )
        applied.append(migration.name)
    return applied


def load_migrations() -> list[Migration]:
    return load_scripts("adapters.postgres")
