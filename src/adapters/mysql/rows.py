"""Mapping between MySQL rows and core values. DATETIME(6) columns hold naive UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from adapters.sql.rows import ATTEMPT_COLUMNS, MESSAGE_COLUMNS, RowMapper, holding_claim
from insider_core.message import Message

__all__ = [
    "ATTEMPT_COLUMNS",
    "MESSAGE_COLUMNS",
    "attempt_from_row",
    "attempt_params",
    "holding_claim",
    "message_from_row",
    "new_message_params",
    "outcome_params",
    "to_db_time",
]


def to_db_time(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(tzinfo=None)


def from_db_time(stored: datetime) -> datetime:
    return stored.replace(tzinfo=UTC)


MAPPER = RowMapper(to_db_time, from_db_time)
message_from_row = MAPPER.message_from_row
attempt_from_row = MAPPER.attempt_from_row
new_message_params = MAPPER.new_message_params
attempt_params = MAPPER.attempt_params


def outcome_params(message: Message) -> tuple[Any, ...]:
    """Values for one row of the recorded outcomes, in RECORDED_OUTCOME_COLUMNS order."""
    return (message.id, *MAPPER.outcome_values(message))
