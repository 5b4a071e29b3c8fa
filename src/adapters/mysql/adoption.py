"""Recognising the `messages` table of the Go service in a database this
service has never migrated, and bringing it in place to the shape of 0001_messages."""

from __future__ import annotations

import aiomysql

from adapters.sql.migrations import SchemaConflict, load_migrations

FIRST_MIGRATION = "0001_messages"
GO_SERVICE_COLUMNS = frozenset(
    {"id", "content", "phone_number", "status", "message_id", "sent_at", "created_at", "updated_at"}
)
KNOWN_STATUSES = ("pending", "sending", "sent", "failed")
# The Go service's table after adoption (or our own 0001 table whose bookkeeping was lost).
OWN_COLUMNS = GO_SERVICE_COLUMNS | {
    "attempts",
    "next_attempt_at",
    "lease_until",
    "claim_token",
    "last_error",
    "idempotency_key",
}
COLUMNS = (
    "SELECT COLUMN_NAME FROM information_schema.COLUMNS "
    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'messages'"
)
UNKNOWN_STATUSES = (
    "SELECT status, COUNT(*) FROM messages "
    f"WHERE status NOT IN ({', '.join(repr(s) for s in KNOWN_STATUSES)}) GROUP BY status"
)


class CannotAdopt(SchemaConflict):
    """The database holds a `messages` table this service cannot take over as it is."""


async def adopt_existing_messages(cursor: aiomysql.Cursor, database: str) -> bool:
    """Before the first migration: True when `messages` already exists and now has the shape
    0001_messages gives it (the Go service's table, upgraded here), so 0001 is to be taken as
    applied; False when there is no such table. Raises CannotAdopt for any other table."""
    await cursor.execute(COLUMNS)
    columns = {name.lower() for (name,) in await cursor.fetchall()}
    if not columns:
        return False
    if columns >= OWN_COLUMNS:
        return True  # adopted by a run that stopped before it recorded so
    if columns != GO_SERVICE_COLUMNS:
        raise CannotAdopt(
            f"database {database!r} has a table `messages` that is neither this service's nor "
            f"the Go service's (its columns: {', '.join(sorted(columns))}); "
            "rename or move it, then migrate again"
        )
    await cursor.execute(UNKNOWN_STATUSES)
    if unknown := await cursor.fetchall():
        found = ", ".join(f"{status!r} ({count} rows)" for status, count in unknown)
        raise CannotAdopt(
            f"the Go service's table `messages` in {database!r} has rows in statuses this "
            f"service does not know: {found}; known: {', '.join(KNOWN_STATUSES)}"
        )
    [adoption] = load_migrations("adapters.mysql", folder="go_service_schema")
    for statement in adoption.statements:
        await cursor.execute(statement)
    return True
