from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import TypeVar

import aiomysql
import pymysql

from adapters.mysql import queries as sql
from adapters.mysql import shared_records as records
from adapters.mysql.claims import (
    NotAllHeld,
    claim_due,
    save_results,
    save_under_token,
    shared_claim_token,
)
from adapters.mysql.database import Database, ServerSettings
from adapters.mysql.migrations import apply_migrations
from adapters.mysql.rows import (
    attempt_from_row,
    from_db_text,
    message_from_row,
    minute_of,
    new_message_params,
    to_db_text,
)
from adapters.sql.migrations import migrated
from adapters.sql.pooled_store import PooledStore
from adapters.sql.rows import Row
from insider_core.message import Message, NewMessage
from insider_core.ports import RecordChange, SlotChange
from insider_core.status import MessageStatus
from insider_core.values import (
    AttemptsInMinute,
    DeliveryAttempt,
    DeliveryResult,
    MessageStats,
    Page,
    PageRequest,
)

# A replay of every failed message changes at most this many in one transaction.
REPLAY_CHUNK_ROWS = 500


T = TypeVar("T")


class MySqlMessageRepository(PooledStore[Database]):
    """Messages in MySQL/MariaDB (InnoDB) through an aiomysql pool. Claims are safe across
    processes: SELECT ... FOR UPDATE SKIP LOCKED over the due index, in one transaction."""

    @classmethod
    async def open(
        cls,
        *,
        host: str,
        port: int = 3306,
        user: str,
        password: str,
        database: str,
        pool_minsize: int = 1,
        pool_maxsize: int = 10,
        connect_timeout: float = 10,
        pool_recycle: int = 3600,
        migrate: bool = True,
    ) -> MySqlMessageRepository:
        """Create the database if it does not exist, open the pool and, unless told not to,
        apply the missing migrations."""
        settings = ServerSettings(
            host=host,
            port=port,
            user=user,
            password=password,
            database=database,
            connect_timeout=connect_timeout,
        )
        pool = await Database.open(
            settings, minsize=pool_minsize, maxsize=pool_maxsize, recycle=pool_recycle
        )
        return await migrated(cls(pool), migrate=migrate)

    async def migrate(self) -> list[str]:
        """Names of the migrations applied by this call."""
        return await apply_migrations(self._database)

    async def add(self, new: NewMessage) -> tuple[Message, bool]:
        try:
            async with self._database.cursor() as cursor:
                await cursor.execute(sql.INSERT_MESSAGE, new_message_params(new))
                message_id: int = cursor.lastrowid
        except pymysql.err.IntegrityError as error:
            if error.args[0] != sql.DUPLICATE_KEY:
                raise
            async with self._database.cursor() as cursor:
                await cursor.execute(sql.SELECT_BY_KEY, (new.idempotency_key,))
                return message_from_row(await cursor.fetchone()), False
        return Message.from_new(message_id, new), True

    async def add_many(self, new: Sequence[NewMessage]) -> int:
        """In one transaction, run again if the server undoes it to break a deadlock (another
        writer inserting the same keys in another order)."""

        async def insert(cursor: aiomysql.Cursor) -> int:
            inserted = 0
            for start in range(0, len(new), sql.INSERT_ROWS_PER_STATEMENT):
                chunk = new[start : start + sql.INSERT_ROWS_PER_STATEMENT]
                params = [value for item in chunk for value in new_message_params(item)]
                inserted += await cursor.execute(sql.insert_messages(len(chunk)), params)
            return inserted

        return await self._database.run_transaction(insert)

    async def get(self, message_id: int) -> Message | None:
        async with self._database.cursor() as cursor:
            await cursor.execute(sql.SELECT_BY_ID, (message_id,))
            row = await cursor.fetchone()
        return None if row is None else message_from_row(row)

    async def _read_page(self, request: PageRequest) -> Page[Message]:
        """The total first: a page past the end is answered without reading any row."""
        filtered, by_phone = request.status is not None, request.phone_number is not None
        status = () if request.status is None else (request.status.value,)
        phone = () if request.phone_number is None else (request.phone_number,)
        page_sql = sql.page_query(
            filtered=filtered, newest_sent_first=request.newest_sent_first, by_phone=by_phone
        )
        rows: list[Row] = []
        async with self._database.cursor() as cursor:
            await cursor.execute(
                sql.count_query(filtered=filtered, by_phone=by_phone), status + phone
            )
            (total,) = await cursor.fetchone() or (0,)
            if request.offset < total:
                await cursor.execute(page_sql, (*status, *phone, request.page_size, request.offset))
                rows = await cursor.fetchall()
        return Page(
            items=[message_from_row(row) for row in rows],
            page=request.page,
            page_size=request.page_size,
            total_count=total,
        )

    async def _read_stats(self, _: None) -> MessageStats:
        async with self._database.cursor() as cursor:
            await cursor.execute(sql.COUNTS_BY_STATUS)
            rows = await cursor.fetchall()
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
        return await self._database.run_transaction(
            lambda cursor: claim_due(cursor, limit, now, lease_until, claim_token, max_attempts)
        )

    async def save_results(self, results: Sequence[DeliveryResult]) -> int:
        """A batch under one claim token is fenced by that token in the UPDATE itself; only
        when some of its results no longer hold it (a lease expired and another worker took
        the message) is it rolled back and fenced result by result, under row locks."""
        if not results:
            return 0
        token = shared_claim_token(results)
        if token is not None:
            try:
                return await self._database.run_transaction(
                    lambda cursor: save_under_token(cursor, token, results)
                )
            except NotAllHeld:
                pass
        return await self._database.run_transaction(lambda cursor: save_results(cursor, results))

    async def replay_one(self, message_id: int, now: datetime) -> Message | None:
        moment = to_db_text(now)

        async def replay(cursor: aiomysql.Cursor) -> Message | None:
            if await cursor.execute(sql.REPLAY_ONE, (moment, moment, message_id)) == 0:
                return None
            await cursor.execute(sql.SELECT_BY_ID, (message_id,))
            return message_from_row(await cursor.fetchone())

        return await self._database.run_transaction(replay)

    async def replay_all(self, now: datetime, since: datetime | None = None) -> int:
        """By id, in transactions of REPLAY_CHUNK_ROWS messages at most, so that no lock is
        held for long and other writers go on between the chunks."""
        moment = to_db_text(now)
        select = sql.failed_ids(since=since is not None)
        since_params = () if since is None else (to_db_text(since),)
        replayed, after = 0, 0
        while True:
            chunk = partial(
                self._replay_chunk, select, (*since_params, after, REPLAY_CHUNK_ROWS), moment
            )
            changed, ids = await self._database.run_transaction(chunk)
            replayed += changed
            if len(ids) < REPLAY_CHUNK_ROWS:
                return replayed
            after = ids[-1]

    async def _replay_chunk(
        self, select: str, params: tuple[object, ...], moment: str, cursor: aiomysql.Cursor
    ) -> tuple[int, list[int]]:
        """The next chunk's ids, and how many of them were still failed and replayed."""
        await cursor.execute(select, params)
        ids = [message_id for (message_id,) in await cursor.fetchall()]
        if not ids:
            return 0, ids
        changed = int(await cursor.execute(sql.replay_ids(len(ids)), (moment, moment, *ids)))
        return changed, ids

    async def count_failed(self, since: datetime | None = None) -> int:
        """Exactly the rows a replay with this `since` would change."""
        params: tuple[str, ...]
        statement, params = sql.COUNT_FAILED, ()
        if since is not None:
            statement, params = sql.COUNT_FAILED_SINCE, (to_db_text(since),)
        async with self._database.cursor() as cursor:
            await cursor.execute(statement, params)
            (failed,) = await cursor.fetchone()
        return int(failed)

    async def list_attempts(self, message_id: int) -> list[DeliveryAttempt]:
        async with self._database.cursor() as cursor:
            await cursor.execute(sql.SELECT_ATTEMPTS, (message_id,))
            rows = await cursor.fetchall()
        return [attempt_from_row(row) for row in rows]

    async def prune_attempts(self, older_than: datetime) -> int:
        """Deletes in bounded chunks, so no single statement holds locks for long."""
        pruned = 0
        async with self._database.cursor() as cursor:
            while True:
                deleted: int = await cursor.execute(
                    sql.PRUNE_ATTEMPTS, (to_db_text(older_than), sql.PRUNE_ROWS_PER_STATEMENT)
                )
                pruned += deleted
                if deleted < sql.PRUNE_ROWS_PER_STATEMENT:
                    return pruned

    async def attempts_per_minute(self, since: datetime) -> list[AttemptsInMinute]:
        async with self._database.cursor() as cursor:
            await cursor.execute(sql.ATTEMPTS_PER_MINUTE, (to_db_text(since),))
            rows = await cursor.fetchall()
        return [
            AttemptsInMinute(minute=minute_of(minute), accepted=accepted, failed=failed)
            for minute, accepted, failed in rows
        ]

    async def book_slots(self, change: SlotChange[T]) -> T:

        async def book(cursor: aiomysql.Cursor) -> T:
            await cursor.execute(sql.LOCK_SEND_SLOTS)
            (stored,) = await cursor.fetchone()
            result, next_free = change.apply(None if stored is None else from_db_text(stored))
            await cursor.execute(
                sql.KEEP_SEND_SLOTS, (None if next_free is None else to_db_text(next_free),)
            )
            return result

        return await self._database.run_transaction(book)

    async def read_record(self, name: str, now: datetime) -> str | None:
        async with self._database.cursor() as cursor:
            return await records.read_record(cursor, name, now)

    async def read_records(self, prefix: str, now: datetime) -> dict[str, str]:
        async with self._database.cursor() as cursor:
            return await records.read_records(cursor, prefix, now)

    async def write_record(
        self, name: str, value: str, expires_at: datetime | None, now: datetime
    ) -> None:
        async def prune(cursor: aiomysql.Cursor) -> None:
            await records.delete_expired(cursor, now)

        async def keep(cursor: aiomysql.Cursor) -> None:
            await records.keep_record(cursor, name, value, expires_at, now)

        await self._database.run_transaction(prune)
        await self._database.run_transaction(keep)

    async def change_record(self, name: str, change: RecordChange[T], now: datetime) -> T:
        async def apply(cursor: aiomysql.Cursor) -> T:
            return await records.change_record(cursor, name, change, now)

        return await self._database.run_transaction(apply)
