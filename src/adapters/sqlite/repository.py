from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TypeVar

import aiosqlite

from adapters.sql.migrations import migrated
from adapters.sqlite import queries as sql
from adapters.sqlite import shared_records as records
from adapters.sqlite.claims import claim_due, save_results
from adapters.sqlite.connection import connect, transaction, unreachable_as_store_unavailable
from adapters.sqlite.migrations import apply_migrations
from adapters.sqlite.rows import (
    attempt_from_row,
    from_db_time,
    message_from_row,
    new_message_params,
    to_db_text,
)
from insider_core.errors import StoreUnavailable
from insider_core.message import Message, NewMessage
from insider_core.ports import (
    RecordChange,
    SlotChange,
    Store,
)
from insider_core.status import MessageStatus
from insider_core.values import (
    AttemptsInMinute,
    DeliveryAttempt,
    DeliveryResult,
    MessageStats,
    Page,
    PageRequest,
)

T = TypeVar("T")
# A replay of every failed message changes at most this many in one transaction.
REPLAY_CHUNK_ROWS = 500


class SqliteMessageRepository(Store):
    """The embedded store: one connection in WAL mode. Operations of one instance run one at a
    time; writes take the file's write lock (BEGIN IMMEDIATE), so other processes and
    instances on the same file wait their turn instead of claiming the same rows."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()
        self._closed = False

    @classmethod
    async def open(cls, path: str) -> SqliteMessageRepository:
        """Open (creating if needed) the database at `path`, or ":memory:", and migrate it."""
        return await migrated(cls(await connect(path)))

    async def close(self) -> None:
        async with self._lock:
            if not self._closed:
                self._closed = True
                await self._connection.close()

    async def migrate(self) -> list[str]:
        """Names of the migrations applied by this call."""
        async with self._session() as connection:
            return await apply_migrations(connection)

    async def add(self, new: NewMessage) -> tuple[Message, bool]:
        async with self._session() as connection:
            cursor = await connection.execute(sql.INSERT_MESSAGE, new_message_params(new))
            if cursor.rowcount == 1 and cursor.lastrowid is not None:
                return Message.from_new(cursor.lastrowid, new), True
            rows = await connection.execute_fetchall(sql.SELECT_BY_KEY, (new.idempotency_key,))
            return message_from_row(next(iter(rows))), False

    async def add_many(self, new: Sequence[NewMessage]) -> int:
        async with self._session() as connection, transaction(connection):
            before = connection.total_changes
            await connection.executemany(sql.INSERT_MESSAGE, [new_message_params(n) for n in new])
            return connection.total_changes - before

    async def get(self, message_id: int) -> Message | None:
        async with self._session() as connection:
            rows = list(await connection.execute_fetchall(sql.SELECT_BY_ID, (message_id,)))
        return message_from_row(rows[0]) if rows else None

    async def list_page(self, request: PageRequest) -> Page[Message]:
        count_sql, page_sql = sql.page_query(
            filtered=request.status is not None,
            newest_sent_first=request.newest_sent_first,
            by_phone=request.phone_number is not None,
        )
        status = () if request.status is None else (request.status.value,)
        phone = () if request.phone_number is None else (request.phone_number,)
        async with self._session() as connection:
            counted = await connection.execute_fetchall(count_sql, (*status, *phone))
            total = next(iter(counted))[0]
            # Past the end, the OFFSET would only walk every row to find none.
            rows = (
                await connection.execute_fetchall(
                    page_sql, (*status, *phone, request.page_size, request.offset)
                )
                if request.offset < total
                else []
            )
        return Page(
            items=[message_from_row(row) for row in rows],
            page=request.page,
            page_size=request.page_size,
            total_count=total,
        )

    async def stats(self) -> MessageStats:
        async with self._session() as connection:
            rows = await connection.execute_fetchall(sql.COUNT_BY_STATUS)
        return MessageStats(**{MessageStatus(status).value: count for status, count in rows})

    async def claim_due(
        self,
        limit: int,
        now: datetime,
        lease_until: datetime,
        claim_token: str,
        *,
        max_attempts: int,
    ) -> list[Message]:
        if limit <= 0:
            return []
        async with self._session() as connection, transaction(connection):
            return await claim_due(connection, limit, now, lease_until, claim_token, max_attempts)

    async def save_results(self, results: Sequence[DeliveryResult]) -> int:
        if not results:
            return 0
        async with self._session() as connection, transaction(connection):
            return await save_results(connection, results)

    async def replay_one(self, message_id: int, now: datetime) -> Message | None:
        moment = to_db_text(now)
        async with self._session() as connection, transaction(connection):
            cursor = await connection.execute(sql.REPLAY_ONE, (moment, moment, message_id))
            if cursor.rowcount == 0:
                return None
            rows = await connection.execute_fetchall(sql.SELECT_BY_ID, (message_id,))
            return message_from_row(next(iter(rows)))

    async def replay_all(self, now: datetime, since: datetime | None = None) -> int:
        """By id, in transactions of REPLAY_CHUNK_ROWS messages at most: the file's write lock
        is held for one chunk at a time, and other work runs between the chunks."""
        moment = to_db_text(now)
        select = sql.failed_ids(since=since is not None)
        since_params = () if since is None else (to_db_text(since),)
        replayed, after = 0, 0
        while True:
            async with self._session() as connection, transaction(connection):
                rows = await connection.execute_fetchall(
                    select, (*since_params, after, REPLAY_CHUNK_ROWS)
                )
                ids = [row[0] for row in rows]
                if ids:
                    cursor = await connection.execute(
                        sql.replay_ids(len(ids)), (moment, moment, *ids)
                    )
                    replayed += cursor.rowcount
            if len(ids) < REPLAY_CHUNK_ROWS:
                return replayed
            after = ids[-1]

    async def count_failed(self, since: datetime | None = None) -> int:
        params: tuple[str, ...]
        statement, params = sql.COUNT_FAILED, ()
        if since is not None:
            statement, params = sql.COUNT_FAILED_SINCE, (to_db_text(since),)
        async with self._session() as connection:
            rows = await connection.execute_fetchall(statement, params)
        return int(next(iter(rows))[0])

    async def list_attempts(self, message_id: int) -> list[DeliveryAttempt]:
        async with self._session() as connection:
            rows = await connection.execute_fetchall(sql.SELECT_ATTEMPTS, (message_id,))
        return [attempt_from_row(row) for row in rows]

    async def prune_attempts(self, older_than: datetime) -> int:
        async with self._session() as connection:
            cursor = await connection.execute(sql.PRUNE_ATTEMPTS, (to_db_text(older_than),))
            return cursor.rowcount

    async def attempts_per_minute(self, since: datetime) -> list[AttemptsInMinute]:
        async with self._session() as connection:
            rows = await connection.execute_fetchall(sql.ATTEMPTS_PER_MINUTE, (to_db_text(since),))
        return [
            AttemptsInMinute(minute=from_db_time(minute), accepted=accepted, failed=failed)
            for minute, accepted, failed in rows
        ]

    async def book_slots(self, change: SlotChange[T]) -> T:
        async with self._session() as connection, transaction(connection):
            rows = await connection.execute_fetchall(sql.SELECT_SEND_SLOTS)
            stored = next(iter(rows))[0]
            result, next_free = change.apply(None if stored is None else from_db_time(stored))
            await connection.execute(
                sql.KEEP_SEND_SLOTS, (None if next_free is None else to_db_text(next_free),)
            )
        return result

    async def read_record(self, name: str, now: datetime) -> str | None:
        async with self._session() as connection:
            return await records.read_record(connection, name, now)

    async def read_records(self, prefix: str, now: datetime) -> dict[str, str]:
        async with self._session() as connection:
            return await records.read_records(connection, prefix, now)

    async def write_record(
        self, name: str, value: str, expires_at: datetime | None, now: datetime
    ) -> None:
        async with self._session() as connection, transaction(connection):
            await records.write_record(connection, name, value, expires_at, now)

    async def change_record(self, name: str, change: RecordChange[T], now: datetime) -> T:
        async with self._session() as connection, transaction(connection):
            return await records.change_record(connection, name, change, now)

    async def ping(self) -> bool:
        """False, never an error, when the store cannot be used."""
        try:
            async with self._session() as connection:
                await connection.execute_fetchall("SELECT 1")
        except Exception:
            return False
        return True

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            if self._closed:
                raise StoreUnavailable("the SQLite store is closed")
            with unreachable_as_store_unavailable():
                yield self._connection
