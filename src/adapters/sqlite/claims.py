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
    to_db_text,
)
from insider_core.claiming import claim_each
from insider_core.message import LEASE_EXPIRED, Message
from insider_core.values import DeliveryResult


async def claim_due(
    connection: aiosqlite.Connection,
    limit: int,
    now: datetime,
    lease_until: datetime,
    claim_token: str,
    max_attempts: int,
) -> list[Message]:
    """Read the oldest due rows, apply claiming.claim_each to them with one UPDATE (and one
    more for expired leases with no attempt left), and return the messages it took."""
    moment = to_db_text(now)
    rows = await connection.execute_fetchall(sql.CLAIM_DUE, (moment, moment, limit))
    claim = claim_each(
        (message_from_row(row) for row in rows), now, lease_until, claim_token, max_attempts
    )
    if claim.taken:
        await connection.execute(
            sql.CLAIM_UPDATE.format(ids=sql.placeholders(len(claim.taken))),
            (
                LEASE_EXPIRED,
                to_db_text(lease_until),
                claim_token,
                moment,
                *(m.id for m in claim.taken),
            ),
        )
    if claim.dead_lettered:
        await connection.execute(
            sql.DEAD_LETTER_EXPIRED.format(ids=sql.placeholders(len(claim.dead_lettered))),
            (LEASE_EXPIRED, moment, *(m.id for m in claim.dead_lettered)),
        )
    return claim.taken


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
