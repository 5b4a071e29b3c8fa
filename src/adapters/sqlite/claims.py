"""Claiming due messages and recording what became of them, each in one write transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from adapters.sqlite import queries as sql
from adapters.sqlite.rows import (
    attempt_params,
    holding_claim,
    message_from_row,
    outcome_params,
    to_db_time,
)
from insider_core.message import Message
from insider_core.values import DeliveryResult


async def claim_due(
    connection: aiosqlite.Connection,
    limit: int,
    now: datetime,
    lease_until: datetime,
    claim_token: str,
) -> list[Message]:
    """Take the oldest due rows with one UPDATE and return them as Message.claim makes them."""
    moment = to_db_time(now)
    rows = await connection.execute_fetchall(sql.CLAIM_DUE, (moment, moment, limit))
    due = [message_from_row(row) for row in rows]
    if due:
        await connection.execute(
            sql.CLAIM_UPDATE.format(ids=sql.placeholders(len(due))),
            (to_db_time(lease_until), claim_token, moment, *(m.id for m in due)),
        )
    return [message.claim(now, lease_until, claim_token) for message in due]


async def save_results(connection: aiosqlite.Connection, results: Sequence[DeliveryResult]) -> int:
    """Read the claims, then update every message still held under its token and insert the
    attempts of exactly those. Returns how many applied."""
    ids = sorted({result.message.id for result in results})
    rows = await connection.execute_fetchall(
        sql.SELECT_CLAIMS.format(ids=sql.placeholders(len(ids))), ids
    )
    applied = holding_claim(results, {row[0]: row[1] for row in rows})
    await connection.executemany(
        sql.RECORD_RESULT, [outcome_params(r.message, r.claim_token) for r in applied]
    )
    await connection.executemany(
        sql.INSERT_ATTEMPT, [attempt_params(r.attempt) for r in applied if r.attempt is not None]
    )
    return len(applied)
