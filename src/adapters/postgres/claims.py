"""Claiming due messages and recording what became of them, each in one transaction of two
statements, whatever the batch's size."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.postgres import queries as sql
from adapters.postgres.database import Session
from adapters.postgres.rows import (
    attempt_arrays,
    claimed_arrays,
    message_from_row,
    outcome_arrays,
)
from insider_core.claiming import claim_each
from insider_core.message import Message
from insider_core.values import DeliveryResult


async def claim_due(
    session: Session,
    limit: int,
    now: datetime,
    lease_until: datetime,
    claim_token: str,
    max_attempts: int,
) -> list[Message]:
    """Inside the caller's transaction: lock the oldest due rows no one else holds, apply
    claiming.claim_each to them, and write what it made of each (taken, or an expired lease
    with no attempt left dead-lettered) with one UPDATE. Returns those taken, oldest due
    first."""
    rows = await session.fetch(sql.LOCK_DUE, now, limit)
    claim = claim_each(
        (message_from_row(row) for row in rows), now, lease_until, claim_token, max_attempts
    )
    changed = [*claim.taken, *claim.dead_lettered]
    if changed:
        await session.execute(sql.SAVE_CLAIMED, *claimed_arrays(changed))
    return claim.taken


async def save_results(session: Session, results: Sequence[DeliveryResult]) -> int:
    """Two statements: update every message still held under the token its result was made
    under, then insert the attempts of exactly those. A message twice in `results` under one
    token applies its first result only. Returns how many applied."""
    distinct: dict[tuple[int, str], DeliveryResult] = {}
    for result in results:
        distinct.setdefault((result.message.id, result.claim_token), result)
    # In id order, so two transactions recording the same rows lock them in the same order.
    in_id_order = sorted(distinct.values(), key=lambda result: result.message.id)
    rows = await session.fetch(sql.SAVE_OUTCOMES, *outcome_arrays(in_id_order))
    saved = {(row[0], row[1]) for row in rows}
    applied = [r for r in distinct.values() if (r.message.id, r.claim_token) in saved]
    attempts = [r.attempt for r in applied if r.attempt is not None]
    if attempts:
        await session.execute(sql.INSERT_ATTEMPTS, *attempt_arrays(attempts))
    return len(applied)
