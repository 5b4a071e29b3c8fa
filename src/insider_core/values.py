"""Values that cross the ports besides the message itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Generic, TypeVar

import msgspec

from insider_core.message import Message
from insider_core.outcome import ErrorKind
from insider_core.status import MessageStatus

T = TypeVar("T")
ATTEMPT_DETAIL_LIMIT = 500
LATENESS_ALLOWED = timedelta(milliseconds=5)
"""A send may start this much after its slot (or one slot's spacing, if longer); later, it
would crowd the slots after it, so its message is released for a later slot instead."""


class DeliveryAttempt(msgspec.Struct, frozen=True, kw_only=True):
    """One try at sending one message, kept for the operator's audit trail."""

    message_id: int
    attempt_number: int
    started_at: datetime
    duration_ms: int
    http_status: int | None
    error_kind: ErrorKind | None
    detail: str | None


class DeliveryResult(msgspec.Struct, frozen=True, kw_only=True):
    """The new state of a claimed message, to be written only while `claim_token` still holds;
    `attempt` is None for a message released unsent."""

    message: Message
    claim_token: str
    attempt: DeliveryAttempt | None

    @classmethod
    def released(cls, claimed: Message, claim_token: str, now: datetime) -> DeliveryResult:
        return cls(message=claimed.release(now), claim_token=claim_token, attempt=None)


class Page(msgspec.Struct, Generic[T], frozen=True, kw_only=True):
    items: Sequence[T]
    page: int
    page_size: int
    total_count: int

    @property
    def total_pages(self) -> int:
        return -(-self.total_count // self.page_size) if self.page_size else 0


class PageRequest(msgspec.Struct, frozen=True, kw_only=True):
    page: int = 1
    page_size: int = 20
    status: MessageStatus | None = None
    newest_sent_first: bool = False
    phone_number: str | None = None

    @classmethod
    def sent(cls, page: int = 1, page_size: int = 20) -> PageRequest:
        """Sent messages, newest `sentAt` first."""
        return cls(
            page=page, page_size=page_size, status=MessageStatus.SENT, newest_sent_first=True
        )

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


class AttemptsInMinute(msgspec.Struct, frozen=True, kw_only=True):
    """The delivery attempts that started in one UTC minute: those the receiver accepted (202)
    and the rest."""

    minute: datetime
    accepted: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.accepted + self.failed


class MessageStats(msgspec.Struct, frozen=True, kw_only=True):
    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.sending + self.sent + self.failed


class CachedSend(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    receipt_id: str | None
    sent_at: datetime


class CachedPage(msgspec.Struct, frozen=True, kw_only=True):
    """Entries of the sent cache, lowest id first, and the id to read on from: `next_after`
    is None when no entry follows."""

    entries: Sequence[CachedSend]
    next_after: int | None


class Alert(msgspec.Struct, frozen=True, kw_only=True):
    alert: str
    run_number: int
    consecutive_failures: int
    messages_in_batch: int
    timestamp: datetime
    message: str


class ReceiverAlert(msgspec.Struct, frozen=True, kw_only=True):
    """The circuit breaker opened (`receiver_down`) or closed (`receiver_up`)."""

    alert: str
    state: str
    since: datetime | None
    reason: str | None
    timestamp: datetime
    message: str


class SlotGrant(msgspec.Struct, frozen=True, kw_only=True):
    """`count` slots `spacing` apart from `start`. With no slots, `start` is when the next
    booking can succeed."""

    start: datetime
    count: int
    spacing: timedelta

    def slot(self, index: int) -> datetime:
        return self.start + self.spacing * index

    @property
    def end(self) -> datetime:
        return self.slot(self.count)

    def missed(self, index: int, now: datetime) -> bool:
        """Too late to send in slot `index`: sending now would crowd the slots after it."""
        if not self.spacing:
            return False
        return now - self.slot(index) > max(self.spacing, LATENESS_ALLOWED)
