"""What the API reads and writes: msgspec Structs with camelCase keys, mapped explicitly from
the core's types."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Annotated

import msgspec

from entrypoints.web.envelopes import Succeeded, Success
from insider_core import (
    CachedPage,
    CachedSend,
    DeliveryAttempt,
    ErrorKind,
    Message,
    MessageStats,
    MessageStatus,
    utc_timestamp,
)

# Documented as a date-time by docs.string_schemas.
Timestamp = Annotated[
    str,
    msgspec.Meta(
        extra_json_schema={
            "description": "UTC, ISO 8601 with microseconds, ending in Z",
            "examples": ["2026-01-01T12:00:00.000000Z"],
        }
    ),
]


class Camel(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    pass


def optional_timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else utc_timestamp(moment)


# No attempt is to come for these: the store keeps the last due time, the API shows none.
NO_NEXT_ATTEMPT = frozenset({MessageStatus.SENT, MessageStatus.FAILED})


class MessageBody(Camel, frozen=True):
    """`nextAttemptAt`: when a pending message is due (or a sending one was); null once it is
    sent or failed, since no attempt is to come (a replay makes it due again)."""

    id: int
    content: str
    phone_number: str
    status: MessageStatus
    receipt_id: str | None = msgspec.field(name="messageId")
    sent_at: Timestamp | None
    attempts: int
    next_attempt_at: Timestamp | None
    last_error: str | None
    idempotency_key: str
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, message: Message) -> MessageBody:
        return cls(
            id=message.id,
            content=message.content,
            phone_number=message.phone_number,
            status=message.status,
            receipt_id=message.receipt_id,
            sent_at=optional_timestamp(message.sent_at),
            attempts=message.attempts,
            next_attempt_at=(
                None
                if message.status in NO_NEXT_ATTEMPT
                else utc_timestamp(message.next_attempt_at)
            ),
            last_error=message.last_error,
            idempotency_key=message.idempotency_key,
            created_at=utc_timestamp(message.created_at),
            updated_at=utc_timestamp(message.updated_at),
        )


ENCODER = msgspec.json.Encoder()


@lru_cache(maxsize=8192)
def message_json(message: Message) -> msgspec.Raw:
    """MessageBody.of(message), encoded. Memoised by value: a Message is immutable, so its
    JSON never changes, and a page listed again (a dashboard polling it, many clients asking
    at once) costs a lookup per message instead of rendering each anew."""
    return msgspec.Raw(ENCODER.encode(MessageBody.of(message)))


class AttemptBody(Camel, frozen=True):
    attempt_number: int
    started_at: Timestamp
    duration_ms: int
    http_status: int | None
    error_kind: ErrorKind | None
    detail: str | None

    @classmethod
    def of(cls, attempt: DeliveryAttempt) -> AttemptBody:
        return cls(
            attempt_number=attempt.attempt_number,
            started_at=utc_timestamp(attempt.started_at),
            duration_ms=attempt.duration_ms,
            http_status=attempt.http_status,
            error_kind=attempt.error_kind,
            detail=attempt.detail,
        )


class StatsBody(Camel, frozen=True):
    pending: int
    sending: int
    sent: int
    failed: int
    total: int

    @classmethod
    def of(cls, stats: MessageStats) -> StatsBody:
        return cls(
            pending=stats.pending,
            sending=stats.sending,
            sent=stats.sent,
            failed=stats.failed,
            total=stats.total,
        )


class CachedBody(Camel, frozen=True):
    receipt_id: str | None = msgspec.field(name="messageId")
    sent_at: Timestamp

    @classmethod
    def of(cls, entry: CachedSend) -> CachedBody:
        return cls(receipt_id=entry.receipt_id, sent_at=utc_timestamp(entry.sent_at))


class ReplayedBody(Camel, frozen=True):
    replayed: int


class ReplayPreviewBody(Camel, frozen=True):
    """What a replay would do: a dry run changes nothing."""

    dry_run: Annotated[bool, msgspec.Meta(extra_json_schema={"extra": {"const": True}})]
    would_replay: int


class MessageSuccess(Success):
    data: MessageBody | None = None


class MessagePage(msgspec.Struct, kw_only=True, rename="camel"):
    success: Succeeded
    data: Sequence[MessageBody]
    page: int
    page_size: int
    total_count: int
    total_pages: int


class AttemptsSuccess(Success):
    data: list[AttemptBody] | None = None


class StatsSuccess(Success):
    data: StatsBody | None = None


class CachedPageOf(msgspec.Struct, kw_only=True, rename="camel"):
    """Sent-cache entries by id (`{"<id>": {"messageId", "sentAt"}}`), lowest id first, and
    the `after` that reads the next page: null when none follows."""

    success: Succeeded
    data: dict[str, CachedBody]
    next_after: int | None

    @classmethod
    def of(cls, page: CachedPage) -> CachedPageOf:
        data = {str(entry.id): CachedBody.of(entry) for entry in page.entries}
        return cls(success=True, data=data, next_after=page.next_after)


class ReplayedSuccess(Success):
    data: ReplayedBody | None = None


class ReplayPreviewSuccess(Success):
    data: ReplayPreviewBody | None = None
