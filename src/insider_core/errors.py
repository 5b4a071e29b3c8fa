"""Domain errors. Adapters raise these too, so callers never see a driver's exception type."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base of every error the core raises on purpose."""


class InvalidTransition(DomainError):
    def __init__(self, message_id: int, status: str, action: str) -> None:
        super().__init__(f"message {message_id} is {status}; cannot {action}")
        self.message_id = message_id
        self.status = status
        self.action = action


class InvalidMessage(DomainError):
    """A new message broke a rule; `details` maps each field to its reason."""

    def __init__(self, details: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in details.items()))
        self.details = dict(details)


class MessageNotFound(DomainError):
    def __init__(self, message_id: int) -> None:
        super().__init__(f"Message {message_id} not found")
        self.message_id = message_id


class NotReplayable(DomainError):
    def __init__(self, message_id: int, status: str) -> None:
        super().__init__(f"Message {message_id} is {status}, only failed messages can be replayed")
        self.message_id = message_id
        self.status = status


class StoreUnavailable(DomainError):
    """The message store cannot be reached."""


class CacheUnavailable(DomainError):
    """The sent cache cannot be reached; delivery goes on without it."""


class AlertNotDelivered(DomainError):
    """The alert webhook refused the alert or could not be reached."""
