"""Mapping between SQLite rows and core values."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from insider_core.message import Message, NewMessage
from insider_core.outcome import ErrorKind
from insider_core.records import DeliveryAttempt, DeliveryResult
from insider_core.status import MessageStatus

TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
MESSAGE_COLUMNS = (
    "id, content, phone_number, status, message_id, sent_at, attempts, next_attempt_at, "
    "lease_until, claim_token, last_error, idempotency_key, created_at, updated_at"
)
ATTEMPT_COLUMNS = (
    "message_id, attempt_number, started_at, duration_ms, http_status, error_kind, detail"
)

Row = Sequence[Any]


def to_db_time(moment: datetime) -> str:
    """Naive UTC text with microseconds: fixed width, so text order is time order."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime(TIME_FORMAT)


def from_db_time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _optional_time(moment: datetime | None) -> str | None:
    return None if moment is None else to_db_time(moment)


def _optional_from_db(text: str | None) -> datetime | None:
    return None if text is None else from_db_time(text)


def message_from_row(row: Row) -> Message:
    return Message(
        id=row[0],
        content=row[1],
        phone_number=row[2],
        status=MessageStatus(row[3]),
        message_id=row[4],
        sent_at=_optional_from_db(row[5]),
        attempts=row[6],
        next_attempt_at=from_db_time(row[7]),
        lease_until=_optional_from_db(row[8]),
        claim_token=row[9],
        last_error=row[10],
        idempotency_key=row[11],
        created_at=from_db_time(row[12]),
        updated_at=from_db_time(row[13]),
    )


def new_message_params(new: NewMessage) -> tuple[Any, ...]:
    """Values for (content, phone_number, status, next_attempt_at, idempotency_key,
    created_at, updated_at)."""
    created = to_db_time(new.created_at)
    return (
        new.content,
        new.phone_number,
        MessageStatus.PENDING.value,
        created,
        new.idempotency_key,
        created,
        created,
    )


def outcome_params(message: Message, claim_token: str) -> tuple[Any, ...]:
    """Values for the fenced RECORD_RESULT statement."""
    return (
        message.status.value,
        message.attempts,
        message.message_id,
        _optional_time(message.sent_at),
        to_db_time(message.next_attempt_at),
        message.last_error,
        _optional_time(message.lease_until),
        message.claim_token,
        to_db_time(message.updated_at),
        message.id,
        claim_token,
    )


def attempt_params(attempt: DeliveryAttempt) -> tuple[Any, ...]:
    return (
        attempt.message_id,
        attempt.attempt_number,
        to_db_time(attempt.started_at),
        attempt.duration_ms,
        attempt.http_status,
        None if attempt.error_kind is None else attempt.error_kind.value,
        attempt.detail,
    )


def attempt_from_row(row: Row) -> DeliveryAttempt:
    return DeliveryAttempt(
        message_id=row[0],
        attempt_number=row[1],
        started_at=from_db_time(row[2]),
        duration_ms=row[3],
        http_status=row[4],
        error_kind=None if row[5] is None else ErrorKind(row[5]),
        detail=row[6],
    )


def holding_claim(
    results: Sequence[DeliveryResult], claims: dict[int, str]
) -> list[DeliveryResult]:
    """The results whose claim token still holds (`claims` maps each sending message to its
    token), the first one per message."""
    fenced: list[DeliveryResult] = []
    seen: set[int] = set()
    for result in results:
        message_id = result.message.id
        if message_id not in seen and claims.get(message_id) == result.claim_token:
            fenced.append(result)
            seen.add(message_id)
    return fenced
