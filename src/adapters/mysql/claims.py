"""Claiming due messages and recording what became of them, each in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiomysql

from adapters.mysql import queries as sql
from adapters.mysql.counts import Counts
from adapters.mysql.rows import (
    attempt_params,
    holding_claim,
    is_sent,
    message_columns,
    message_from_columns,
    outcome_params,
    sent_params,
    to_db_text,
)
from insider_core.claiming import claim_each
from insider_core.message import LEASE_EXPIRED, Message
from insider_core.status import MessageStatus
from insider_core.values import DeliveryResult

STATUS_COLUMN = 3  # of MESSAGE_COLUMNS


class NotAllHeld(Exception):
    """Some results of a batch made under one claim token no longer hold it; what the batch
    wrote must be rolled back and the results fenced one by one."""


async def claim_due(
    cursor: aiomysql.Cursor,
    counts: Counts,
    limit: int,
    now: datetime,
    lease_until: datetime,
    claim_token: str,
    max_attempts: int,
) -> list[Message]:
    """Lock the oldest due rows others do not hold, apply claiming.claim_each to them with
    one UPDATE (and one more for expired leases with no attempt left), and return the
    messages it took. The pending ones become sending; a sending one whose lease ended stays
    so, or becomes failed."""
    moment = to_db_text(now)
    await cursor.execute(sql.CLAIM_DUE, (moment, moment, limit))
    rows = [message_columns(fetched) for fetched in await cursor.fetchall()]
    if not rows:
        return []
    claim = claim_each(
        (message_from_columns(row) for row in rows), now, lease_until, claim_token, max_attempts
    )
    if claim.taken:
        await cursor.execute(
            sql.CLAIM_UPDATE.format(ids=sql.placeholders(len(claim.taken))),
            (
                LEASE_EXPIRED,
                to_db_text(lease_until),
                claim_token,
                moment,
                *(m.id for m in claim.taken),
            ),
        )
    dead = len(claim.dead_lettered)
    if dead:
        await cursor.execute(
            sql.DEAD_LETTER_EXPIRED.format(ids=sql.placeholders(dead)),
            (LEASE_EXPIRED, moment, *(m.id for m in claim.dead_lettered)),
        )
    pending = sum(row[STATUS_COLUMN] != MessageStatus.SENDING for row in rows)
    await counts.change(
        cursor,
        {
            MessageStatus.PENDING: -pending,
            MessageStatus.SENDING: pending - dead,
            MessageStatus.FAILED: dead,
        },
    )
    return claim.taken


def shared_claim_token(results: Sequence[DeliveryResult]) -> str | None:
    """The claim token of a batch in which every result has the same one and a message of its
    own (what the Dispatcher records); None otherwise."""
    token = results[0].claim_token
    if any(result.claim_token != token for result in results):
        return None
    if len({result.message.id for result in results}) != len(results):
        return None
    return token


async def save_under_token(
    cursor: aiomysql.Cursor, counts: Counts, token: str, results: Sequence[DeliveryResult]
) -> int:
    """Two statements: update every message still held under `token`, then insert the
    attempts. When the UPDATE applied to every result, all of them applied; when it applied to
    none, there is nothing more to write; otherwise raises NotAllHeld."""
    if all(is_sent(result.message) for result in results):
        statement = sql.save_under_token(len(results), all_sent=True)
        params = [value for result in results for value in sent_params(result.message)]
    else:
        statement = sql.save_under_token(len(results), all_sent=False)
        params = [value for result in results for value in outcome_params(result.message)]
    applied = await cursor.execute(statement, [*params, token])
    if applied == 0:
        return 0
    if applied != len(results):
        raise NotAllHeld
    await insert_attempts(cursor, results)
    await count_saved(cursor, counts, results)
    return len(results)


async def save_results(
    cursor: aiomysql.Cursor, counts: Counts, results: Sequence[DeliveryResult]
) -> int:
    """Three statements whatever the batch size: lock the claims, update every message still
    held under its token, insert the attempts of exactly those. Returns how many applied."""
    ids = sorted({result.message.id for result in results})
    await cursor.execute(sql.LOCK_CLAIMS.format(ids=sql.placeholders(len(ids))), ids)
    applied = holding_claim(results, dict(await cursor.fetchall()))
    if not applied:
        return 0
    await cursor.execute(
        sql.save_outcomes(len(applied)),
        [value for r in applied for value in (*outcome_params(r.message), r.claim_token)],
    )
    await insert_attempts(cursor, applied)
    await count_saved(cursor, counts, applied)
    return len(applied)


async def count_saved(
    cursor: aiomysql.Cursor, counts: Counts, saved: Sequence[DeliveryResult]
) -> None:
    """Every saved result moved its message from sending to the status it holds."""
    changes = {MessageStatus.SENDING: -len(saved)}
    for result in saved:
        status = result.message.status
        changes[status] = changes.get(status, 0) + 1
    await counts.change(cursor, changes)


async def insert_attempts(cursor: aiomysql.Cursor, results: Sequence[DeliveryResult]) -> None:
    """The results' attempts in one INSERT; none when every message was released unsent."""
    attempts = [result.attempt for result in results if result.attempt is not None]
    if attempts:
        await cursor.execute(
            sql.INSERT_ATTEMPTS.format(rows=sql.value_rows(len(attempts), 7)),
            [value for attempt in attempts for value in attempt_params(attempt)],
        )
