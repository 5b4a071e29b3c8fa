"""SharedRecords on MySQL: one row a record; expired rows go when a record is written, in a
statement of their own so that the write waits on no other row's lock."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

import aiomysql

from adapters.mysql.rows import to_db_text
from insider_core.ports import RecordChange

T = TypeVar("T")

LIVE = "(expires_at IS NULL OR expires_at > %s)"
SELECT_ONE = f"SELECT value FROM shared_records WHERE name = %s AND {LIVE}"
# Not LIKE: `_` and `%` in a name mean themselves.
SELECT_PREFIX = (
    f"SELECT name, value FROM shared_records WHERE LEFT(name, CHAR_LENGTH(%s)) = %s AND {LIVE}"
)
DELETE_EXPIRED = "DELETE FROM shared_records WHERE expires_at <= %s"
DELETE_ONE = "DELETE FROM shared_records WHERE name = %s"
KEEP = (
    "INSERT INTO shared_records (name, value, expires_at) VALUES (%s, %s, %s) "
    "ON DUPLICATE KEY UPDATE value = VALUES(value), expires_at = VALUES(expires_at)"
)
# Locks the record's row, creating an expired one when there is none, so that two instances
# changing a new record queue on one row lock instead of racing to insert it.
LOCK_ONE = (
    "INSERT INTO shared_records (name, value, expires_at) VALUES (%s, '', '1970-01-01') "
    "ON DUPLICATE KEY UPDATE name = name"
)


async def read_record(cursor: aiomysql.Cursor, name: str, now: datetime) -> str | None:
    await cursor.execute(SELECT_ONE, (name, to_db_text(now)))
    row = await cursor.fetchone()
    return None if row is None else str(row[0])


async def read_records(cursor: aiomysql.Cursor, prefix: str, now: datetime) -> dict[str, str]:
    await cursor.execute(SELECT_PREFIX, (prefix, prefix, to_db_text(now)))
    return {str(name): str(value) for name, value in await cursor.fetchall()}


async def delete_expired(cursor: aiomysql.Cursor, now: datetime) -> None:
    await cursor.execute(DELETE_EXPIRED, (to_db_text(now),))


async def keep_record(
    cursor: aiomysql.Cursor,
    name: str,
    value: str,
    expires_at: datetime | None,
    now: datetime,
) -> None:
    if expires_at is not None and expires_at <= now:
        await cursor.execute(DELETE_ONE, (name,))
        return
    until = None if expires_at is None else to_db_text(expires_at)
    await cursor.execute(KEEP, (name, value, until))


async def change_record(
    cursor: aiomysql.Cursor, name: str, change: RecordChange[T], now: datetime
) -> T:
    """Inside the caller's transaction."""
    await cursor.execute(LOCK_ONE, (name,))
    result, value, expires_at = change.apply(await read_record(cursor, name, now))
    if value is not None:
        await keep_record(cursor, name, value, expires_at, now)
    return result
