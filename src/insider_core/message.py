"""The message entity: its fields and every transition of its lifecycle."""

from __future__ import annotations

from datetime import datetime
from random import Random

import msgspec

from insider_core.errors import InvalidTransition
from insider_core.outcome import SendOutcome
from insider_core.retry import RetryPolicy
from insider_core.status import MessageStatus
from insider_core.text import shorten

LAST_ERROR_LIMIT = 1000


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

    def claim(self, now: datetime, lease_until: datetime, claim_token: str) -> Message:
        """Take the message for one send. Recovering an expired lease re-runs the lost attempt,
        so it does not count as a new one."""
        if not self.is_claimable(now):
            raise InvalidTransition(self.id, self.status, "claim")
        attempts = self.attempts + 1 if self.status is MessageStatus.PENDING else self.attempts
        return msgspec.structs.replace(
            self,
            status=MessageStatus.SENDING,
            attempts=attempts,
            lease_until=lease_until,
            claim_token=claim_token,
            updated_at=now,
        )

    def mark_sent(
        self, receipt_id: str | None, now: datetime, anomaly: str | None = None
    ) -> Message:
        self._require(MessageStatus.SENDING, "mark sent")
        return msgspec.structs.replace(
            self,
            status=MessageStatus.SENT,
            receipt_id=receipt_id,
            sent_at=now,
            last_error=shorten(anomaly, LAST_ERROR_LIMIT),
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
        error = shorten(outcome.error or "send failed", LAST_ERROR_LIMIT)
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
        due as before, and its attempt given back. A claim that recovered an expired lease
        re-ran an attempt whose answer was never recorded; releasing it gives that one back
        too, so `attempts` counts the attempts whose answer is known."""
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
