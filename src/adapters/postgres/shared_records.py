"""SharedRecords on PostgreSQL: one row a record; expired rows go when a record is written, in
a statement of their own so that the write waits on no other row's lock."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from adapters.postgres.database import Session
from insider_core.ports import RecordChange

T = TypeVar("T")

LIVE = "(expires_at IS NULL OR expires_at > $2)"
SELECT_ONE = f"SELECT value FROM shared_records WHERE name = $1 AND {LIVE}"
# Not LIKE: `_` and `%` in a name mean themselves.
SELECT_PREFIX = f"SELECT name, value FROM shared_records WHERE starts_with(name, $1) AND {LIVE}"
DELETE_EXPIRED = "DELETE FROM shared_records WHERE expires_at <= $1"
DELETE_ONE = "DELETE FROM shared_records WHERE name = $1"
KEEP = (
    "INSERT INTO shared_records (name, value, expires_at) VALUES ($1, $2, $3) "
    "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at"
)
# The record's row exists (an expired one is made when there is none) and is locked, so two
# instances changing a new record queue on one row lock instead of racing to insert it.
MAKE_ONE = (
    "INSERT INTO shared_records (name, value, expires_at) VALUES ($1, '', '-infinity') "
    "ON CONFLICT (name) DO NOTHING"
)
LOCK_ONE = f"SELECT CASE WHEN {LIVE} THEN value END FROM shared_records WHERE name = $1 FOR UPDATE"


async def read_record(session: Session, name: str, now: datetime) -> str | None:
    value: str | None = await session.fetchval(SELECT_ONE, name, now)
    return value


async def read_records(session: Session, prefix: str, now: datetime) -> dict[str, str]:
    return {row[0]: row[1] for row in await session.fetch(SELECT_PREFIX, prefix, now)}


async def delete_expired(session: Session, now: datetime) -> None:
    await session.execute(DELETE_EXPIRED, now)


async def keep_record(
    session: Session, name: str, value: str, expires_at: datetime | None, now: datetime
) -> None:
    if expires_at is not None and expires_at <= now:
        await session.execute(DELETE_ONE, name)
        return
    await session.execute(KEEP, name, value, expires_at)


async def change_record(session: Session, name: str, change: RecordChange[T], now: datetime) -> T:
    """Inside the caller's transaction."""
    await session.execute(MAKE_ONE, name)
    result, value, expires_at = change.apply(await session.fetchval(LOCK_ONE, name, now))
    if value is not None:
        await keep_record(session, name, value, expires_at, now)
    return result
