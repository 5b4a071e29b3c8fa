"""Mapping between SQLite rows and core values. Times are naive UTC text."""

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
    "to_db_text",
]


def to_db_text(moment: datetime) -> str:
    """Naive UTC text with microseconds: fixed width (a four-digit year even before 1000,
    unlike strftime's), so text order is time order."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def from_db_time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


MAPPER = RowMapper(to_db_text, from_db_time)
message_from_row = MAPPER.message_from_row
attempt_from_row = MAPPER.attempt_from_row
new_message_params = MAPPER.new_message_params
attempt_params = MAPPER.attempt_params


def outcome_params(message: Message, claim_token: str) -> tuple[Any, ...]:
    """Values for the fenced RECORD_RESULT statement."""
    return (*MAPPER.outcome_values(message), message.id, claim_token)
