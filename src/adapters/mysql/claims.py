"""Claiming due messages and recording what became of them, each in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiomysql

from adapters.mysql import queries as sql
from adapters.mysql.rows import (
    attempt_params,
    holding_claim,
    message_from_row,
    outcome_params,
    to_db_time,
)
from insider_core.message import Message
from insider_core.records import DeliveryResult


async def claim_due(
    cursor: aiomysql.Cursor, limit: int, now: datetime, lease_until: datetime, claim_token: str
) -> list[Message]:
    """Lock the oldest due rows others do not hold, take them with one UPDATE, and return
    them as Message.claim makes them."""
    moment = to_db_time(now)
    await cursor.execute(sql.CLAIM_DUE, (moment, moment, limit))
    due = [message_from_row(row) for row in await cursor.fetchall()]
    if due:
        await cursor.execute(
            sql.CLAIM_UPDATE.format(ids=sql.placeholders(len(due))),
            (to_db_time(lease_until), claim_token, moment, *(m.id for m in due)),
        )
    return [message.claim(now, lease_until, claim_token) for message in due]


async def record_results(cursor: aiomysql.Cursor, results: Sequence[DeliveryResult]) -> int:
    """Three statements whatever the batch size: lock the claims, update every message still
    held under its token, insert the attempts of exactly those. Returns how many applied."""
    ids = sorted({result.message.id for result in results})
    await cursor.execute(sql.LOCK_CLAIMS.format(ids=sql.placeholders(len(ids))), ids)
    applied = holding_claim(results, dict(await cursor.fetchall()))
    if not applied:
        return 0
    await cursor.execute(
        sql.record_outcomes(len(applied)),
        [value for r in applied for value in (*outcome_params(r.message), r.claim_token)],
    )
    await cursor.execute(
        sql.INSERT_ATTEMPTS.format(rows=sql.value_rows(len(applied), 7)),
        [value for r in applied for value in attempt_params(r.attempt)],
    )
    return len(applied)
