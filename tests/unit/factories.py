"""Small builders that keep the tests about behaviour, not setup."""

from __future__ import annotations

from datetime import UTC, datetime

from insider_core import Message, NewMessage

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def pending_message(message_id: int = 1, *, content: str = "Hello", attempts: int = 0) -> Message:
    new = NewMessage(
        content=content,
        phone_number="+905551234567",
        idempotency_key=f"key-{message_id}",
        created_at=T0,
    )
    message = Message.from_new(message_id, new)
    if attempts:
        import msgspec

        message = msgspec.structs.replace(message, attempts=attempts)
    return message
