"""Mapping between PostgreSQL rows and core values. Times are timestamptz, which asyncpg reads
as aware UTC datetimes and writes from aware ones (an instant: no zone conversion to get
wrong), so the mapper's conversions only make sure a naive time is taken as UTC."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg

from adapters.sql.rows import ATTEMPT_COLUMNS, MESSAGE_COLUMNS, RowMapper
from insider_core.message import Message
from insider_core.values import DeliveryAttempt, DeliveryResult

__all__ = [
    "ATTEMPT_COLUMNS",
    "MESSAGE_COLUMNS",
    "as_utc",
    "attempt_arrays",
    "attempt_from_row",
    "claimed_arrays",
    "columns_of",
    "message_from_row",
    "new_message_params",
    "outcome_arrays",
]


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def from_db(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


MAPPER = RowMapper(as_utc, from_db)


def message_from_row(row: asyncpg.Record) -> Message:
    return MAPPER.message_from_row(tuple(row))


def attempt_from_row(row: asyncpg.Record) -> DeliveryAttempt:
    return MAPPER.attempt_from_row(tuple(row))


new_message_params = MAPPER.new_message_params


def columns_of(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Rows of parameters as one list per column: the arrays an `unnest(...)` reads back as
    rows, so a whole batch travels as a fixed number of parameters in one statement."""
    return [list(column) for column in zip(*rows, strict=True)]


def outcome_arrays(results: Sequence[DeliveryResult]) -> list[list[Any]]:
    """(id, status, attempts, message_id, sent_at, next_attempt_at, last_error, lease_until,
    claim_token, updated_at, held_token) as arrays, one element per result."""
    return columns_of(
        [(r.message.id, *MAPPER.outcome_values(r.message), r.claim_token) for r in results]
    )


def claimed_arrays(messages: Sequence[Message]) -> list[list[Any]]:
    """(id, status, attempts, last_error, lease_until, claim_token, updated_at) as arrays."""
    return columns_of(
        [
            (
                m.id,
                m.status.value,
                m.attempts,
                m.last_error,
                m.lease_until,
                m.claim_token,
                m.updated_at,
            )
            for m in messages
        ]
    )


def attempt_arrays(attempts: Sequence[DeliveryAttempt]) -> list[list[Any]]:
    return columns_of([MAPPER.attempt_params(a) for a in attempts])
