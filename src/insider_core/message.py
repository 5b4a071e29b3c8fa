"""The message entity: its fields and every transition of its lifecycle."""

from __future__ import annotations

import re
from datetime import datetime
from random import Random

import msgspec

from insider_core.errors import InvalidTransition
from insider_core.outcome import SendOutcome
from insider_core.retry import RetryPolicy
from insider_core.status import MessageStatus
from insider_core.text import storable

LAST_ERROR_LIMIT = 1000
LEASE_EXPIRED = (
    "lease expired: the worker holding it stopped before recording an outcome; "
    "counted as an attempt"
)
UNSENDABLE_KEY = "the idempotency key holds a control character; no HTTP header can carry it"
# What no HTTP header value may hold (RFC 9110 5.5): control characters other than tab.
NOT_IN_A_HEADER = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def fits_in_a_header(value: str) -> bool:
    return value.isprintable() or NOT_IN_A_HEADER.search(value) is None


class NewMessage(msgspec.Struct, frozen=True, kw_only=True):
    """A validated message that has no id yet."""

    content: str
    phone_number: str
    idempotency_key: str
    created_at: datetime
    send_at: datetime | None = None  # first due then; None: at creation

    @property
    def due_at(self) -> datetime:
        return self.created_at if self.send_at is None else self.send_at


class Message(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    content: str
    phone_number: str
    status: MessageStatus
    idempotency_key: str
    created_at: datetime
    updated_at: datetime
    next_attempt_at: datetime
    attempts: int = 0
    receipt_id: str | None = None
    """The receiver's id for the message it accepted (`messageId` in its answer)."""
    sent_at: datetime | None = None
    last_error: str | None = None
    lease_until: datetime | None = None
    claim_token: str | None = None

    @classmethod
    def from_new(cls, message_id: int, new: NewMessage) -> Message:
        return cls(
            id=message_id,
            content=new.content,
            phone_number=new.phone_number,
            status=MessageStatus.PENDING,
            idempotency_key=new.idempotency_key,
            created_at=new.created_at,
            updated_at=new.created_at,
            next_attempt_at=new.due_at,
        )

    def is_claimable(self, now: datetime) -> bool:
        """Pending and due, or sending under a lease that has expired (its worker vanished)."""
        if self.status is MessageStatus.PENDING:
            return self.next_attempt_at <= now
        if self.status is MessageStatus.SENDING:
            return self.lease_until is not None and self.lease_until < now
        return False

    def lease_expired(self, now: datetime) -> bool:
        return (
            self.status is MessageStatus.SENDING
            and self.lease_until is not None
            and self.lease_until < now
        )

    def claim(self, now: datetime, lease_until: datetime, claim_token: str) -> Message:
        """Take a due pending message for its next attempt, which counts from now on."""
        if self.status is not MessageStatus.PENDING or not self.is_claimable(now):
            raise InvalidTransition(self.id, self.status, "claim")
        return msgspec.structs.replace(
            self,
            status=MessageStatus.SENDING,
            attempts=self.attempts + 1,
            lease_until=lease_until,
            claim_token=claim_token,
            updated_at=now,
        )

    def recover(self, now: datetime, max_attempts: int) -> Message:
        """Take back a message whose lease expired with no outcome recorded (the worker
        holding it stopped). That attempt counts: the message is pending again, due as before,
        while attempts remain, and otherwise failed (the dead-letter queue), so a message that
        stops its worker every time ends there instead of looping."""
        if not self.lease_expired(now):
            raise InvalidTransition(self.id, self.status, "recover")
        spent = self.attempts >= max_attempts
        return msgspec.structs.replace(
            self,
            status=MessageStatus.FAILED if spent else MessageStatus.PENDING,
            last_error=LEASE_EXPIRED,
            lease_until=None,
            claim_token=None,
            updated_at=now,
        )

    def unsendable_reason(self) -> str | None:
        """Why no request can ever carry this message, or None. Its idempotency key goes out
        as a header: a key written into the table by another system may hold what no header
        can (a line break)."""
        return None if fits_in_a_header(self.idempotency_key) else UNSENDABLE_KEY

    def mark_sent(
        self, receipt_id: str | None, now: datetime, anomaly: str | None = None
    ) -> Message:
        self._require(MessageStatus.SENDING, "mark sent")
        return msgspec.structs.replace(
            self,
            status=MessageStatus.SENT,
            receipt_id=receipt_id,
            sent_at=now,
            last_error=storable(anomaly, LAST_ERROR_LIMIT),
            lease_until=None,
            claim_token=None,
            updated_at=now,
        )

    def mark_failed(
        self, outcome: SendOutcome, policy: RetryPolicy, now: datetime, rng: Random
    ) -> Message:
        """Back to pending after a backoff while attempts remain and retrying can help;
        otherwise failed, which puts the message in the dead-letter queue."""
        self._require(MessageStatus.SENDING, "mark failed")
        error = storable(outcome.error or "send failed", LAST_ERROR_LIMIT)
        if policy.should_retry(outcome, self.attempts):
            delay = policy.backoff(self.attempts, rng, outcome.retry_after_seconds)
            return msgspec.structs.replace(
                self,
                status=MessageStatus.PENDING,
                next_attempt_at=now + delay,
                last_error=error,
                lease_until=None,
                claim_token=None,
                updated_at=now,
            )
        return msgspec.structs.replace(
            self,
            status=MessageStatus.FAILED,
            last_error=error,
            lease_until=None,
            claim_token=None,
            updated_at=now,
        )

    def apply_outcome(
        self, outcome: SendOutcome, policy: RetryPolicy, now: datetime, rng: Random
    ) -> Message:
        if outcome.accepted:
            return self.mark_sent(outcome.receipt_id, now, anomaly=outcome.error)
        return self.mark_failed(outcome, policy, now, rng)

    def release(self, now: datetime) -> Message:
        """Give a claimed message back unsent (the receiver is unavailable): pending again,
        due as before, and the attempt its claim counted given back. (An expired lease the
        claim recovered stays counted: that attempt did happen.)"""
        self._require(MessageStatus.SENDING, "release")
        return msgspec.structs.replace(
            self,
            status=MessageStatus.PENDING,
            attempts=max(self.attempts - 1, 0),
            lease_until=None,
            claim_token=None,
            updated_at=now,
        )

    def replay(self, now: datetime) -> Message:
        """Take a dead-lettered message out of the queue for a fresh round of attempts."""
        self._require(MessageStatus.FAILED, "replay")
        return msgspec.structs.replace(
            self,
            status=MessageStatus.PENDING,
            attempts=0,
            receipt_id=None,
            sent_at=None,
            last_error=None,
            next_attempt_at=now,
            updated_at=now,
        )

    def _require(self, status: MessageStatus, action: str) -> None:
        if self.status is not status:
            raise InvalidTransition(self.id, self.status, action)
