from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import TypeVar

import aiomysql
import msgspec
import pymysql

from adapters.mysql import counts
from adapters.mysql import queries as sql
from adapters.mysql import shared_records as records
from adapters.mysql.claims import (
    NotAllHeld,
    claim_due,
    save_results,
    save_under_token,
    shared_claim_token,
)
from adapters.mysql.counts import Counts
from adapters.mysql.database import Database, ServerSettings
from adapters.mysql.grouping import WriteGroups
from adapters.mysql.listing import PagesByRevision, Revision
from adapters.mysql.migrations import apply_migrations
from adapters.mysql.rows import (
    attempt_from_row,
    from_db_text,
    message_from_row,
    minute_of,
    new_message_params,
    to_db_text,
)
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

# At most this many concurrent creations share one INSERT.
CREATIONS_PER_STATEMENT = 200
# A replay of every failed message changes at most this many in one transaction.
REPLAY_CHUNK_ROWS = 500
REVISIONS = msgspec.json.Decoder(tuple[int, int, list[Revision]])


T = TypeVar("T")


class MySqlMessageRepository(Store):
    """Messages in MySQL/MariaDB (InnoDB) through an aiomysql pool. Claims are safe across
    processes: SELECT ... FOR UPDATE SKIP LOCKED over the due index, in one transaction.
    Messages created at the same time share one INSERT (group commit)."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._counts = Counts(by_statement=False)
        self._creations = WriteGroups(self._add_group, max_items=CREATIONS_PER_STATEMENT)
        self._pages = PagesByRevision(self._list_revisions, self._get_revisions)

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
        repository = cls(
            await Database.open(
                settings, minsize=pool_minsize, maxsize=pool_maxsize, recycle=pool_recycle
            )
        )
        try:
            if migrate:
                await repository.migrate()
            else:
                await repository._learn_who_counts()
        except BaseException:
            await repository.close()
            raise
        return repository

    async def close(self) -> None:
        await self._database.close()

    async def migrate(self) -> list[str]:
        """Names of the migrations applied by this call."""
        applied = await apply_migrations(self._database)
        self._counts.by_statement = True
        return applied

    async def _learn_who_counts(self) -> None:
        """The repository counts its own changes once the triggers leave them to it (see
        counts.py); before that migration, the triggers count every change."""
        async with self._database.cursor() as cursor:
            try:
                await cursor.execute(sql.MIGRATION_APPLIED, (counts.COUNTS_BY_STATEMENT_MIGRATION,))
            except pymysql.err.ProgrammingError as error:
                if error.args[0] != sql.NO_SUCH_TABLE:
                    raise
                return
            self._counts.by_statement = await cursor.fetchone() is not None

    async def add(self, new: NewMessage) -> tuple[Message, bool]:
        return await self._creations.submit(new)

    async def _add_group(self, group: Sequence[NewMessage]) -> list[tuple[Message, bool]]:
        """The whole group in one INSERT (the database counts the rows, see counts.py)."""
        params = [value for item in group for value in new_message_params(item)]
        try:
            async with self._database.cursor() as cursor:
                await cursor.execute(sql.insert_new_messages(len(group)), params)
                ids = await self._inserted_ids(cursor, group)
        except (pymysql.err.IntegrityError, pymysql.err.OperationalError) as error:
            if error.args[0] not in (sql.DUPLICATE_KEY, sql.DEADLOCK):
                raise
            # A known key (or one key twice, or a key another process is inserting at the
            # same moment) failed the whole INSERT: one by one, each message then finds out
            # whether it is new.
            return [await self._add_one(item) for item in group]
        return [(Message.from_new(id_, item), True) for id_, item in zip(ids, group, strict=True)]

    async def _inserted_ids(
        self, cursor: aiomysql.Cursor, group: Sequence[NewMessage]
    ) -> list[int]:
        """The ids of the rows one multi-row INSERT made, in the order of `group`, read back
        by key: the server need not have made them consecutive (innodb_autoinc_lock_mode 2)."""
        if len(group) == 1:
            return [cursor.lastrowid]
        keys = [item.idempotency_key for item in group]
        await cursor.execute(sql.ids_by_key(len(keys)), keys)
        by_key = {key: id_ for id_, key in await cursor.fetchall()}
        return [by_key[key] for key in keys]

    async def _add_one(self, new: NewMessage) -> tuple[Message, bool]:
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
        inserted = 0
        async with self._database.transaction() as cursor:
            for start in range(0, len(new), sql.INSERT_ROWS_PER_STATEMENT):
                chunk = new[start : start + sql.INSERT_ROWS_PER_STATEMENT]
                params = [value for item in chunk for value in new_message_params(item)]
                inserted += await cursor.execute(sql.insert_messages(len(chunk)), params)
        return inserted

    async def get(self, message_id: int) -> Message | None:
        async with self._database.cursor() as cursor:
            await cursor.execute(sql.SELECT_BY_ID, (message_id,))
            row = await cursor.fetchone()
        return None if row is None else message_from_row(row)

    async def list_page(self, request: PageRequest) -> Page[Message]:
        """By revision (see listing.py) unless it is a search by phone number, or the page
        cannot be read that way. A page past the end is answered from its total alone: an
        OFFSET beyond the last row would make the server walk every row before it."""
        if request.offset > 0:
            async with self._database.cursor() as cursor:
                total = await self._total(cursor, request)
            if request.offset >= total:
                return Page(
                    items=[], page=request.page, page_size=request.page_size, total_count=total
                )
        if request.phone_number is None:
            page = await self._pages.page(request)
            if page is not None:
                return page
        return await self._read_page(request)

    async def _read_page(self, request: PageRequest) -> Page[Message]:
        filtered = request.status is not None
        page_sql = sql.page_query(
            filtered=filtered,
            newest_sent_first=request.newest_sent_first,
            by_phone=request.phone_number is not None,
        )
        status = () if request.status is None else (request.status.value,)
        phone = () if request.phone_number is None else (request.phone_number,)
        async with self._database.cursor() as cursor:
            total = await self._total(cursor, request)
            await cursor.execute(page_sql, (*status, *phone, request.page_size, request.offset))
            rows = await cursor.fetchall()
        return Page(
            items=[message_from_row(row) for row in rows],
            page=request.page,
            page_size=request.page_size,
            total_count=total,
        )

    async def _total(self, cursor: aiomysql.Cursor, request: PageRequest) -> int:
        """How many messages the listing holds: from the counts, or counted by phone number."""
        filtered = request.status is not None
        status = () if request.status is None else (request.status.value,)
        if request.phone_number is not None:
            await cursor.execute(
                sql.phone_count_query(filtered=filtered), (*status, request.phone_number)
            )
        else:
            await cursor.execute(counts.TOTAL_OF_STATUS if filtered else counts.TOTAL, status)
        (total,) = await cursor.fetchone()
        return int(total)

    async def _list_revisions(self, request: PageRequest) -> Page[Revision] | None:
        statement = sql.revisions_query(
            filtered=request.status is not None, newest_sent_first=request.newest_sent_first
        )
        status = () if request.status is None else (request.status.value,) * 2
        async with self._database.cursor() as cursor:
            await cursor.execute(statement, (*status, request.page_size, request.offset))
            (listing,) = await cursor.fetchone()
        try:
            total, listed, revisions = REVISIONS.decode(listing)
        except msgspec.DecodeError:
            return None  # cut at group_concat_max_len
        if len(revisions) != listed:
            return None
        return Page(
            items=revisions, page=request.page, page_size=request.page_size, total_count=total
        )

    async def _get_revisions(self, wanted: Sequence[Revision]) -> dict[Revision, Message]:
        ids = sorted({revision.id for revision in wanted})
        async with self._database.cursor() as cursor:
            await cursor.execute(sql.messages_with_revision(len(ids)), ids)
            rows = await cursor.fetchall()
        found = {Revision(row[1], row[2]): row for row in rows}
        return {
            revision: message_from_row(found[revision]) for revision in wanted if revision in found
        }

    async def stats(self) -> MessageStats:
        async with self._database.cursor() as cursor:
            await cursor.execute(counts.BY_STATUS)
            rows = await cursor.fetchall()
        return MessageStats(**{MessageStatus(status).value: count for status, count in rows})

    async def recount(self) -> None:
        """Count the messages in each status afresh, holding writers off meanwhile: after
        something the counting triggers do not see (TRUNCATE, or a process of a version that
        still wrote the counts itself, see counts.py)."""
        async with self._database.connection() as connection, connection.cursor() as cursor:
            try:
                for statement in counts.RECOUNT:
                    await cursor.execute(statement)
            except BaseException:
                connection.close()  # the server releases the table locks with the session
                raise

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
            lambda cursor: claim_due(
                cursor, self._counts, limit, now, lease_until, claim_token, max_attempts
            )
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
                    lambda cursor: save_under_token(cursor, self._counts, token, results)
                )
            except NotAllHeld:
                pass
        return await self._database.run_transaction(
            lambda cursor: save_results(cursor, self._counts, results)
        )

    async def replay_one(self, message_id: int, now: datetime) -> Message | None:
        moment = to_db_text(now)

        async def replay(cursor: aiomysql.Cursor) -> Message | None:
            if await cursor.execute(sql.REPLAY_ONE, (moment, moment, message_id)) == 0:
                return None
            await self._counts.moved(cursor, MessageStatus.FAILED, MessageStatus.PENDING, 1)
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
        await self._counts.moved(cursor, MessageStatus.FAILED, MessageStatus.PENDING, changed)
        return changed, ids

    async def count_failed(self, since: datetime | None = None) -> int:
        """Counted from the messages, not `message_counts`: exactly the rows a replay with
        this `since` would change."""
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

    async def ping(self) -> bool:
        """False, never an error, when the server cannot be reached."""
        return await self._database.ping()
