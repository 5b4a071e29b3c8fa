"""Mapping between SQL rows and core values, given how a database stores a UTC time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from insider_core.message import Message, NewMessage
from insider_core.outcome import ErrorKind
from insider_core.status import MessageStatus
from insider_core.values import DeliveryAttempt, DeliveryResult

MESSAGE_COLUMNS = (
    "id, content, phone_number, status, message_id, sent_at, attempts, next_attempt_at, "
    "lease_until, claim_token, last_error, idempotency_key, created_at, updated_at"
)
ATTEMPT_COLUMNS = (
    "message_id, attempt_number, started_at, duration_ms, http_status, error_kind, detail"
)

Row = Sequence[Any]
Stored = TypeVar("Stored")


class RowMapper(Generic[Stored]):
    def __init__(
        self, to_db: Callable[[datetime], Stored], from_db: Callable[[Stored], datetime]
    ) -> None:
        self.to_db = to_db
        self.from_db = from_db

    def optional_to_db(self, moment: datetime | None) -> Stored | None:
        return None if moment is None else self.to_db(moment)

    def optional_from_db(self, stored: Stored | None) -> datetime | None:
        return None if stored is None else self.from_db(stored)

    def message_from_row(self, row: Row) -> Message:
        return Message(
            id=row[0],
            content=row[1],
            phone_number=row[2],
            status=MessageStatus(row[3]),
            receipt_id=row[4],  # the column message_id
            sent_at=self.optional_from_db(row[5]),
            attempts=row[6],
            next_attempt_at=self.from_db(row[7]),
            lease_until=self.optional_from_db(row[8]),
            claim_token=row[9],
            last_error=row[10],
            idempotency_key=row[11],
            created_at=self.from_db(row[12]),
            updated_at=self.from_db(row[13]),
        )

    def new_message_params(self, new: NewMessage) -> tuple[Any, ...]:
        """Values for (content, phone_number, status, next_attempt_at, idempotency_key,
        created_at, updated_at)."""
        created = self.to_db(new.created_at)
        return (
            new.content,
            new.phone_number,
            MessageStatus.PENDING.value,
            created if new.send_at is None else self.to_db(new.send_at),
            new.idempotency_key,
            created,
            created,
        )

    def outcome_values(self, message: Message) -> tuple[Any, ...]:
        """(status, attempts, message_id, sent_at, next_attempt_at, last_error, lease_until,
        claim_token, updated_at) of a recorded outcome."""
        return (
            message.status.value,
            message.attempts,
            message.receipt_id,
            self.optional_to_db(message.sent_at),
            self.to_db(message.next_attempt_at),
            message.last_error,
            self.optional_to_db(message.lease_until),
            message.claim_token,
            self.to_db(message.updated_at),
        )

    def attempt_params(self, attempt: DeliveryAttempt) -> tuple[Any, ...]:
        return (
            attempt.message_id,
            attempt.attempt_number,
            self.to_db(attempt.started_at),
            attempt.duration_ms,
            attempt.http_status,
            None if attempt.error_kind is None else attempt.error_kind.value,
            attempt.detail,
        )

    def attempt_from_row(self, row: Row) -> DeliveryAttempt:
        return DeliveryAttempt(
            message_id=row[0],
            attempt_number=row[1],
            started_at=self.from_db(row[2]),
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
