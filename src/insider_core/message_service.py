"""Use cases an operator or client runs against stored messages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from insider_core.errors import MessageNotFound, NotReplayable
from insider_core.message import Message, NewMessage
from insider_core.ports import Clock, MessageRepository, SentCache
from insider_core.status import MessageStatus
from insider_core.validation import validate_new_message
from insider_core.values import CachedPage, DeliveryAttempt, MessageStats, Page, PageRequest


class MessageService:
    def __init__(
        self,
        repository: MessageRepository,
        cache: SentCache,
        clock: Clock,
        max_content_length: int = 1000,
    ) -> None:
        self.repository = repository
        self.cache = cache
        self.clock = clock
        self.max_content_length = max_content_length

    def prepare(
        self,
        content: str,
        phone_number: str,
        idempotency_key: str | None = None,
        *,
        send_at: datetime | None = None,
    ) -> NewMessage:
        """Validate a message and give it its idempotency key (a fresh UUID unless given).
        `send_at` (timezone-aware, at most a year ahead) delays its first send; a past time
        means now."""
        now = self.clock.now()
        validate_new_message(
            content, phone_number, self.max_content_length, send_at=send_at, now=now
        )
        return NewMessage(
            content=content,
            phone_number=phone_number,
            idempotency_key=idempotency_key or str(uuid.uuid4()),
            created_at=now,
            send_at=None if send_at is None else max(send_at, now).astimezone(UTC),
        )

    async def create(
        self,
        content: str,
        phone_number: str,
        idempotency_key: str | None = None,
        *,
        send_at: datetime | None = None,
    ) -> tuple[Message, bool]:
        """Returns the message and whether it is new; a repeated key returns the original
        (with its own `send_at`)."""
        return await self.add(self.prepare(content, phone_number, idempotency_key, send_at=send_at))

    async def add(self, new: NewMessage) -> tuple[Message, bool]:
        """Store a prepared message; a repeated key returns the original."""
        return await self.repository.add(new)

    async def get(self, message_id: int) -> Message:
        message = await self.repository.get(message_id)
        if message is None:
            raise MessageNotFound(message_id)
        return message

    async def list_page(
        self,
        page: int = 1,
        page_size: int = 20,
        status: MessageStatus | None = None,
        phone_number: str | None = None,
    ) -> Page[Message]:
        return await self.repository.list_page(
            PageRequest(page=page, page_size=page_size, status=status, phone_number=phone_number)
        )

    async def list_sent(self, page: int = 1, page_size: int = 20) -> Page[Message]:
        return await self.repository.list_page(PageRequest.sent(page, page_size))

    async def stats(self) -> MessageStats:
        return await self.repository.stats()

    async def attempts(self, message_id: int) -> list[DeliveryAttempt]:
        await self.get(message_id)
        return await self.repository.list_attempts(message_id)

    async def replay_one(self, message_id: int) -> Message:
        replayed = await self.repository.replay_one(message_id, self.clock.now())
        if replayed is not None:
            return replayed
        current = await self.get(message_id)
        raise NotReplayable(message_id, current.status)

    async def replay_all(self, since: datetime | None = None, dry_run: bool = False) -> int:
        """Replay every failed message, or only those that failed at or after `since`; a dry
        run counts them and changes nothing. Returns how many (would have been) replayed."""
        if dry_run:
            return await self.repository.count_failed(since)
        return await self.repository.replay_all(self.clock.now(), since)

    async def cached(self, after: int = 0, limit: int = 100) -> CachedPage:
        """Sent messages still in the cache with an id above `after`, lowest id first."""
        return await self.cache.get_page(after, limit)
