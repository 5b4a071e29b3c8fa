"""What happened when a message was sent, and whether trying again can help."""

from __future__ import annotations

from enum import StrEnum

import msgspec

ACCEPTED = 202


class ErrorKind(StrEnum):
    HTTP_STATUS = "http_status"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    INJECTED = "injected"


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
    def failure(cls, kind: ErrorKind, error: str, *, duration_seconds: float = 0.0) -> SendOutcome:
        return cls(error_kind=kind, error=error, duration_seconds=duration_seconds)

    @property
    def accepted(self) -> bool:
        return self.http_status == ACCEPTED

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
