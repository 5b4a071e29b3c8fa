"""Mapping between MySQL rows and core values. DATETIME(6) columns hold naive UTC; they are
written and read as text ('YYYY-MM-DD HH:MM:SS.ffffff'), which both sides convert in C
(PyMySQL's own datetime conversions are pure Python and cost more than the rest of a row).
A message is read as one column, the JSON array of its columns (queries.MESSAGE_READ, which
renders times as that text too), decoded by msgspec in C: PyMySQL parses every column of a
row in Python, which cost more per message than decoding the whole array."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import msgspec

from adapters.sql.rows import ATTEMPT_COLUMNS, MESSAGE_COLUMNS, Row, RowMapper, holding_claim

__all__ = ["ATTEMPT_COLUMNS", "MESSAGE_COLUMNS", "Row", "holding_claim"]
from insider_core.message import Message
from insider_core.status import MessageStatus


def to_db_time(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(tzinfo=None)


def to_db_text(moment: datetime) -> str:
    """The naive UTC text of a DATETIME(6) value, always with microseconds."""
    if moment.tzinfo is not UTC:
        moment = to_db_time(moment)
    return moment.isoformat(" ", "microseconds")[:26]


def from_db_text(stored: str) -> datetime:
    return datetime.fromisoformat(stored + "+00:00")


def minute_of(number: int) -> datetime:
    """The UTC minute a DATETIME names as the number YYYYMMDDhhmm."""
    return datetime.strptime(str(number), "%Y%m%d%H%M").replace(tzinfo=UTC)


MAPPER = RowMapper(to_db_text, from_db_text)
COLUMNS = msgspec.json.Decoder(list[Any])


def message_from_row(fetched: Row) -> Message:
    """The message of a row whose first column is MESSAGE_READ."""
    return decoded_message(fetched[0])


@lru_cache(maxsize=4096)
def decoded_message(columns: str) -> Message:
    """Memoised by value: the text holds every column of the row and a Message is immutable,
    so a row read again unchanged (the first page, listed over and over) costs a lookup
    instead of a decode, and a changed row is a different text."""
    return MAPPER.message_from_row(COLUMNS.decode(columns))


attempt_from_row = MAPPER.attempt_from_row
new_message_params = MAPPER.new_message_params
attempt_params = MAPPER.attempt_params


def outcome_params(message: Message) -> tuple[Any, ...]:
    """Values for one row of the recorded outcomes, in SAVED_COLUMNS order."""
    return (message.id, *MAPPER.outcome_values(message))


def sent_params(message: Message) -> tuple[Any, ...]:
    """Values for one row of SENT_COLUMNS."""
    return (
        message.id,
        message.receipt_id,
        to_db_text(message.sent_at) if message.sent_at else None,
        message.last_error,
        to_db_text(message.updated_at),
    )


def is_sent(message: Message) -> bool:
    """In the sent state, whose status, lease (none) and token (none) the statement of a
    sent batch writes as constants (queries.SENT_ASSIGNMENTS). It leaves `attempts` and
    `next_attempt_at` as the claim under the same token wrote them, which sending does not
    change (Message.mark_sent; the repository contract checks that a recorded message is
    stored exactly as the result holds it)."""
    return (
        message.status is MessageStatus.SENT
        and message.lease_until is None
        and message.claim_token is None
    )
