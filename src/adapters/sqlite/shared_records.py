"""SharedRecords on SQLite: one row a record; expired rows go when a record is written."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

import aiosqlite

from adapters.sqlite.rows import to_db_text
from insider_core.ports import RecordChange

T = TypeVar("T")

LIVE = "(expires_at IS NULL OR expires_at > ?)"
SELECT_ONE = f"SELECT value FROM shared_records WHERE name = ? AND {LIVE}"
# Not LIKE: `_` and `%` in a name mean themselves.
SELECT_PREFIX = (
    f"SELECT name, value FROM shared_records WHERE substr(name, 1, length(?)) = ? AND {LIVE}"
)
DELETE_EXPIRED = "DELETE FROM shared_records WHERE expires_at <= ?"
KEEP = (
    "INSERT INTO shared_records (name, value, expires_at) VALUES (?, ?, ?) "
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at"
)


async def read_record(connection: aiosqlite.Connection, name: str, now: datetime) -> str | None:
    rows = list(await connection.execute_fetchall(SELECT_ONE, (name, to_db_text(now))))
    return str(rows[0][0]) if rows else None


async def read_records(
    connection: aiosqlite.Connection, prefix: str, now: datetime
) -> dict[str, str]:
    rows = await connection.execute_fetchall(SELECT_PREFIX, (prefix, prefix, to_db_text(now)))
    return {name: str(value) for name, value in rows}


async def write_record(
    connection: aiosqlite.Connection,
    name: str,
    value: str,
    expires_at: datetime | None,
    now: datetime,
) -> None:
    moment = to_db_text(now)
    await connection.execute(DELETE_EXPIRED, (moment,))
    until = None if expires_at is None else to_db_text(expires_at)
    if until is None or until > moment:
        await connection.execute(KEEP, (name, value, until))
    else:
        await connection.execute("DELETE FROM shared_records WHERE name = ?", (name,))


async def change_record(
    connection: aiosqlite.Connection, name: str, change: RecordChange[T], now: datetime
) -> T:
    """Inside the caller's write transaction."""
    result, value, expires_at = change.apply(await read_record(connection, name, now))
    if value is not None:
        await write_record(connection, name, value, expires_at, now)
    return result
