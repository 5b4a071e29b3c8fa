from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from adapters.postgres import queries as sql
from adapters.postgres import shared_records as records
from adapters.postgres.claims import claim_due, save_results
from adapters.postgres.database import Database, ServerSettings, Session
from adapters.postgres.migrations import apply_migrations
from adapters.postgres.rows import (
    attempt_from_row,
    columns_of,
    message_from_row,
    new_message_params,
)
from adapters.sql.migrations import migrated
from adapters.sql.pooled_store import PooledStore
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

T = TypeVar("T")


class PostgresMessageRepository(PooledStore[Database]):
    """Messages in PostgreSQL through an asyncpg pool. Claims are safe across processes:
    SELECT ... FOR UPDATE SKIP LOCKED over the partial due index, in one statement."""

    @classmethod
    async def open(
        cls,
        *,
        host: str,
        port: int = 5432,
        user: str,
        password: str,
        database: str,
        pool_minsize: int = 1,
        pool_maxsize: int = 10,
        connect_timeout: float = 10,
        pool_recycle: float = 3600,
        migrate: bool = True,
    ) -> PostgresMessageRepository:
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
            settings, min_size=pool_minsize, max_size=pool_maxsize, recycle=pool_recycle
        )
        return await migrated(cls(pool), migrate=migrate)

    async def migrate(self) -> list[str]:
        """Names of the migrations applied by this call."""
        return await apply_migrations(self._database)

    async def add(self, new: NewMessage) -> tuple[Message, bool]:
        async with self._database.connection() as session:
            message_id = await session.fetchval(sql.INSERT_MESSAGE, *new_message_params(new))
            if message_id is not None:
                return Message.from_new(message_id, new), True
            row = await session.fetchrow(sql.SELECT_BY_KEY, new.idempotency_key)
        assert row is not None  # keys are never deleted by the service
        return message_from_row(row), False

    async def add_many(self, new: Sequence[NewMessage]) -> int:
        """In one transaction, run again if the server undoes it to break a deadlock (another
        writer inserting the same keys in another order)."""

        async def insert(session: Session) -> int:
            inserted = 0
            for start in range(0, len(new), sql.INSERT_ROWS_PER_STATEMENT):
                chunk = new[start : start + sql.INSERT_ROWS_PER_STATEMENT]
                status = await session.execute(
                    sql.INSERT_MESSAGES, *columns_of([new_message_params(n) for n in chunk])
                )
                inserted += affected(status)
            return inserted

        return await self._database.run_transaction(insert)

    async def get(self, message_id: int) -> Message | None:
        async with self._database.connection() as session:
            row = await session.fetchrow(sql.SELECT_BY_ID, message_id)
        return None if row is None else message_from_row(row)

    async def _read_page(self, request: PageRequest) -> Page[Message]:
        """The total first: a page past the end reads no rows."""
        count_sql, page_sql = sql.page_query(
            filtered=request.status is not None,
            newest_sent_first=request.newest_sent_first,
            by_phone=request.phone_number is not None,
        )
        status = () if request.status is None else (request.status.value,)
        phone = () if request.phone_number is None else (request.phone_number,)
        async with self._database.connection() as session:
            total = int(await session.fetchval(count_sql, *status, *phone))
            rows = []
            if request.offset < total:
                rows = await session.fetch(
                    page_sql, *status, *phone, request.page_size, request.offset
                )
        return Page(
            items=[message_from_row(row) for row in rows],
            page=request.page,
            page_size=request.page_size,
            total_count=total,
        )

    async def _read_stats(self, _: None) -> MessageStats:
        """From the counts the database keeps (migration 0004), a few rows whatever the
        number of messages."""
        async with self._database.connection() as session:
            rows = await session.fetch(sql.STATS)
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
            lambda session: claim_due(session, limit, now, lease_until, claim_token, max_attempts)
        )

    async def save_results(self, results: Sequence[DeliveryResult]) -> int:
        if not results:
            return 0
        return await self._database.run_transaction(lambda session: save_results(session, results))

    async def replay_one(self, message_id: int, now: datetime) -> Message | None:
        async with self._database.connection() as session:
            row = await session.fetchrow(sql.REPLAY_ONE, now, message_id)
        return None if row is None else message_from_row(row)

    async def replay_all(self, now: datetime, since: datetime | None = None) -> int:
        """By id, in transactions of REPLAY_CHUNK_ROWS messages at most, so that no lock is
        held for long and other writers go on between the chunks; a chunk the server undoes to
        break a deadlock (two replays, or a replay and a record, meeting on the same rows) runs
        again. A message that fails again after its chunk stays failed."""
        select = sql.failed_ids(since=since is not None)
        since_params = () if since is None else (since,)
        replayed, after = 0, 0

        async def replay_chunk(session: Session) -> tuple[int, list[int]]:
            rows = await session.fetch(select, after, sql.REPLAY_CHUNK_ROWS, *since_params)
            ids = [row[0] for row in rows]
            if not ids:
                return 0, ids
            return affected(await session.execute(sql.REPLAY_IDS, now, ids)), ids

        while True:
            changed, ids = await self._database.run_transaction(replay_chunk)
            replayed += changed
            if len(ids) < sql.REPLAY_CHUNK_ROWS:
                return replayed
            after = ids[-1]

    async def count_failed(self, since: datetime | None = None) -> int:
        """Counted from the messages: exactly the rows a replay with this `since` would change."""
        async with self._database.connection() as session:
            if since is None:
                failed = await session.fetchval(sql.COUNT_FAILED)
            else:
                failed = await session.fetchval(sql.COUNT_FAILED_SINCE, since)
        return int(failed)

    async def list_attempts(self, message_id: int) -> list[DeliveryAttempt]:
        async with self._database.connection() as session:
            rows = await session.fetch(sql.SELECT_ATTEMPTS, message_id)
        return [attempt_from_row(row) for row in rows]

    async def prune_attempts(self, older_than: datetime) -> int:
        """Deletes in bounded chunks, so no single statement holds locks for long."""
        pruned = 0
        chunk = sql.PRUNE_ROWS_PER_STATEMENT
        async with self._database.connection() as session:
            while True:
                deleted = affected(await session.execute(sql.PRUNE_ATTEMPTS, older_than, chunk))
                pruned += deleted
                if deleted < chunk:
                    return pruned

    async def attempts_per_minute(self, since: datetime) -> list[AttemptsInMinute]:
        async with self._database.connection() as session:
            rows = await session.fetch(sql.ATTEMPTS_PER_MINUTE, since)
        return [
            AttemptsInMinute(minute=minute, accepted=accepted, failed=failed)
            for minute, accepted, failed in rows
        ]

    async def book_slots(self, change: SlotChange[T]) -> T:
        async def book(session: Session) -> T:
            stored = await session.fetchval(sql.LOCK_SEND_SLOTS)
            result, next_free = change.apply(stored)
            await session.execute(sql.KEEP_SEND_SLOTS, next_free)
            return result

        return await self._database.run_transaction(book)

    async def read_record(self, name: str, now: datetime) -> str | None:
        async with self._database.connection() as session:
            return await records.read_record(session, name, now)

    async def read_records(self, prefix: str, now: datetime) -> dict[str, str]:
        async with self._database.connection() as session:
            return await records.read_records(session, prefix, now)

    async def write_record(
        self, name: str, value: str, expires_at: datetime | None, now: datetime
    ) -> None:
        """Each statement in a transaction of its own, run again if the server undoes it to
        break a deadlock (several instances pruning expired records at once)."""
        await self._database.run_transaction(lambda session: records.delete_expired(session, now))
        await self._database.run_transaction(
            lambda session: records.keep_record(session, name, value, expires_at, now)
        )

    async def change_record(self, name: str, change: RecordChange[T], now: datetime) -> T:
        return await self._database.run_transaction(
            lambda session: records.change_record(session, name, change, now)
        )


def affected(status: str) -> int:
    """The number of rows of a command's status line ("UPDATE 3", "INSERT 0 3")."""
    return int(status.rsplit(" ", 1)[-1])
