"""What happened when a message was sent, and whether trying again can help."""

from __future__ import annotations

import math
from enum import StrEnum

import msgspec

from insider_core.text import storable

ACCEPTED = 202
RECEIPT_ID_LIMIT = 255
"""The longest `messageId` kept from a receiver's answer, in characters."""
LOCATION_LIMIT = 200
"""The longest redirect target quoted in an error, in characters."""
LONGEST_DURATION_SECONDS = 86_400.0
"""Durations and waits a sender reports are kept within a day (and finite)."""


class ErrorKind(StrEnum):
    HTTP_STATUS = "http_status"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    INJECTED = "injected"
    REDIRECT = "redirect"
    """The receiver answered 3xx: refused, never followed."""
    UNSENDABLE = "unsendable"
    """The message cannot be put into a request (nothing was sent)."""
    FAULT = "fault"
    """Sending, or reading its answer, raised: the sender's own failure, not the receiver's."""


class SendOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """The facts of one webhook call. Classification (accepted, retryable) is the core's rule."""

    http_status: int | None = None
    receipt_id: str | None = None
    """The `messageId` the receiver answered with."""
    error_kind: ErrorKind | None = None
    error: str | None = None
    duration_seconds: float = 0.0
    retry_after_seconds: float | None = None

    @classmethod
    def http(
        cls,
        status: int,
        *,
        receipt_id: str | None = None,
        body: str | None = None,
        duration_seconds: float = 0.0,
        retry_after_seconds: float | None = None,
    ) -> SendOutcome:
        if status == ACCEPTED:
            anomaly = None if receipt_id else "accepted without a messageId in the response"
            return cls(
                http_status=status,
                receipt_id=receipt_id or None,
                error=anomaly,
                duration_seconds=duration_seconds,
            )
        return cls(
            http_status=status,
            error_kind=ErrorKind.HTTP_STATUS,
            error=f"HTTP {status}" + (f": {body}" if body else ""),
            duration_seconds=duration_seconds,
            retry_after_seconds=retry_after_seconds,
        )

    @classmethod
    def redirect(cls, status: int, location: str, *, duration_seconds: float = 0.0) -> SendOutcome:
        """A 3xx, never followed: the auth key and the signature stay with the configured
        address. Not retried: the receiver will answer the same until WEBHOOK_URL changes."""
        return cls(
            http_status=status,
            error_kind=ErrorKind.REDIRECT,
            error=refused_redirect(location, "WEBHOOK_URL"),
            duration_seconds=duration_seconds,
        )

    @classmethod
    def failure(cls, kind: ErrorKind, error: str, *, duration_seconds: float = 0.0) -> SendOutcome:
        return cls(error_kind=kind, error=error, duration_seconds=duration_seconds)

    def recordable(self) -> SendOutcome:
        """This outcome as the store can keep it (itself, when it already is): a `messageId`
        longer than RECEIPT_ID_LIMIT or not valid Unicode is not kept (the message stays
        accepted, the anomaly noted in its error), an HTTP status outside 100-599 is the
        sender's fault, and durations and waits are finite and not negative."""
        receipt_id, status = self.receipt_id, self.http_status
        duration, wait = self.duration_seconds, self.retry_after_seconds
        if (
            (receipt_id is None or _plain(receipt_id))
            and (status is None or 100 <= status <= 599)
            and 0.0 <= duration <= LONGEST_DURATION_SECONDS
            and (wait is None or 0.0 <= wait <= LONGEST_DURATION_SECONDS)
        ):
            return self
        return self._made_recordable()

    def _made_recordable(self) -> SendOutcome:
        duration = _bounded(self.duration_seconds)
        if self.http_status is not None and not 100 <= self.http_status <= 599:
            return SendOutcome.failure(
                ErrorKind.FAULT,
                f"the sender reported HTTP status {self.http_status}, which no receiver answers",
                duration_seconds=duration,
            )
        receipt_id, error = self.receipt_id, self.error
        if receipt_id is not None and (
            len(receipt_id) > RECEIPT_ID_LIMIT or storable(receipt_id) != receipt_id
        ):
            error = (
                f"accepted with a messageId of {len(receipt_id)} characters that cannot be "
                f"kept (at most {RECEIPT_ID_LIMIT}, valid Unicode); it is not stored"
            )
            receipt_id = None
        wait = None if self.retry_after_seconds is None else _bounded(self.retry_after_seconds)
        return msgspec.structs.replace(
            self,
            receipt_id=receipt_id,
            error=error,
            duration_seconds=duration,
            retry_after_seconds=wait,
        )

    @property
    def accepted(self) -> bool:
        return self.http_status == ACCEPTED

    @property
    def from_receiver(self) -> bool:
        """Whether the receiver's state shows in this outcome: not when the message failed
        before any request (injected on purpose, or no request could carry it)."""
        return self.error_kind not in (ErrorKind.INJECTED, ErrorKind.UNSENDABLE)

    @property
    def retryable(self) -> bool:
        """Timeouts, connection errors, 408, 429 and 5xx may succeed later; other 4xx never will."""
        if self.accepted:
            return False
        if self.error_kind in (ErrorKind.TIMEOUT, ErrorKind.CONNECTION):
            return True
        status = self.http_status
        if status is None:
            return False
        return status in (408, 429) or 500 <= status <= 599


def refused_redirect(location: str, setting: str) -> str:
    """What an operator reads of a refused redirect: where it pointed, and what to change."""
    target = storable(location, LOCATION_LIMIT) or "(no Location)"
    return f"redirect to {target} refused; set {setting} to the final address"


def _bounded(seconds: float) -> float:
    if math.isnan(seconds):
        return 0.0
    return min(max(seconds, 0.0), LONGEST_DURATION_SECONDS)


def _plain(receipt_id: str) -> bool:
    """Kept as it is: short, and text every store keeps unchanged."""
    return len(receipt_id) <= RECEIPT_ID_LIMIT and receipt_id.isascii() and "\x00" not in receipt_id
