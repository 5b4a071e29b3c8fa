from __future__ import annotations

import asyncio
import heapq
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeVar

from adapters.memory.shared_records import RecordTable
from insider_core.claiming import claim_each
from insider_core.errors import StoreUnavailable
from insider_core.message import Message, NewMessage
from insider_core.outcome import ACCEPTED
from insider_core.ports import (
    RecordChange,
    SlotChange,
    Store,
)
from insider_core.status import MessageStatus
from insider_core.values import (
    AttemptsInMinute,
    DeliveryAttempt,
    DeliveryResult,
    MessageStats,
    Page,
    PageRequest,
)

T = TypeVar("T")
# A replay of every failed message changes at most this many in one step.
REPLAY_CHUNK_ROWS = 500


class InMemoryMessageRepository(Store):
    """A repository held in a dict, with the same claim, fencing and replay rules as SQL. Like
    a real store it answers after a turn of the event loop, and while `available` is False
    every operation raises StoreUnavailable and `ping` answers False."""

    def __init__(self) -> None:
        self._messages: dict[int, Message] = {}
        self._by_key: dict[str, int] = {}
        self._attempts: list[DeliveryAttempt] = []
        self._next_id = 1
        self._next_free_slot: datetime | None = None
        self._records = RecordTable()
        self.available = True

    async def add(self, new: NewMessage) -> tuple[Message, bool]:
        await self._reach()
        return self._add(new)

    async def add_many(self, new: Sequence[NewMessage]) -> int:
        await self._reach()
        return sum(1 for item in new if self._add(item)[1])

    def _add(self, new: NewMessage) -> tuple[Message, bool]:
        existing = self._by_key.get(new.idempotency_key)
        if existing is not None:
            return self._messages[existing], False
        message = Message.from_new(self._next_id, new)
        self._next_id += 1
        self._messages[message.id] = message
        self._by_key[new.idempotency_key] = message.id
        return message, True

    async def get(self, message_id: int) -> Message | None:
        await self._reach()
        return self._messages.get(message_id)

    async def list_page(self, request: PageRequest) -> Page[Message]:
        await self._reach()
        return self._page(request)

    def _page(self, request: PageRequest) -> Page[Message]:
        selected = [
            m
            for m in self._messages.values()
            if request.status in (None, m.status) and request.phone_number in (None, m.phone_number)
        ]
        if request.newest_sent_first:
            selected.sort(key=lambda m: (m.sent_at or m.created_at, m.id), reverse=True)
        else:
            selected.sort(key=lambda m: m.id, reverse=True)
        window = selected[request.offset : request.offset + request.page_size]
        return Page(
            items=window,
            page=request.page,
            page_size=request.page_size,
            total_count=len(selected),
        )

    def _store(self, message: Message) -> Message:
        self._messages[message.id] = message
        return message

    async def stats(self) -> MessageStats:
        await self._reach()
        counts = dict.fromkeys(MessageStatus, 0)
        for message in self._messages.values():
            counts[message.status] += 1
        return MessageStats(**{status.value: n for status, n in counts.items()})

    async def claim_due(
        self,
        limit: int,
        now: datetime,
        lease_until: datetime,
        claim_token: str,
        *,
        max_attempts: int,
    ) -> list[Message]:
        await self._reach()
        due = sorted(
            (m for m in self._messages.values() if m.is_claimable(now)),
            key=_due_order,
        )[:limit]
        claim = claim_each(due, now, lease_until, claim_token, max_attempts)
        for message in (*claim.taken, *claim.dead_lettered):
            self._store(message)
        return claim.taken

    async def save_results(self, results: Sequence[DeliveryResult]) -> int:
        await self._reach()
        applied = 0
        for result in results:
            stored = self._messages.get(result.message.id)
            if (
                stored is None
                or stored.status is not MessageStatus.SENDING
                or stored.claim_token != result.claim_token
            ):
                continue
            self._store(result.message)
            if result.attempt is not None:
                self._attempts.append(result.attempt)
            applied += 1
        return applied

    async def replay_one(self, message_id: int, now: datetime) -> Message | None:
        await self._reach()
        stored = self._messages.get(message_id)
        if stored is None or stored.status is not MessageStatus.FAILED:
            return None
        return self._store(stored.replay(now))

    async def replay_all(self, now: datetime, since: datetime | None = None) -> int:
        """By id, REPLAY_CHUNK_ROWS at a time, other work running between the chunks as it
        would between a SQL store's transactions."""
        replayed, after = 0, 0
        while True:
            await self._reach()
            later = (m.id for m in self._failed_since(since) if m.id > after)
            chunk = heapq.nsmallest(REPLAY_CHUNK_ROWS, later)
            for message_id in chunk:
                self._store(self._messages[message_id].replay(now))
            replayed += len(chunk)
            if len(chunk) < REPLAY_CHUNK_ROWS:
                return replayed
            after = chunk[-1]

    async def count_failed(self, since: datetime | None = None) -> int:
        await self._reach()
        return len(self._failed_since(since))

    def _failed_since(self, since: datetime | None) -> list[Message]:
        return [
            m
            for m in self._messages.values()
            if m.status is MessageStatus.FAILED and (since is None or m.updated_at >= since)
        ]

    async def list_attempts(self, message_id: int) -> list[DeliveryAttempt]:
        await self._reach()
        return [a for a in self._attempts if a.message_id == message_id]

    async def prune_attempts(self, older_than: datetime) -> int:
        await self._reach()
        kept = [a for a in self._attempts if a.started_at >= older_than]
        pruned = len(self._attempts) - len(kept)
        self._attempts = kept
        return pruned

    async def attempts_per_minute(self, since: datetime) -> list[AttemptsInMinute]:
        await self._reach()
        counted: dict[datetime, tuple[int, int]] = {}
        for attempt in self._attempts:
            if attempt.started_at < since:
                continue
            minute = attempt.started_at.astimezone(UTC).replace(second=0, microsecond=0)
            accepted, failed = counted.get(minute, (0, 0))
            if attempt.http_status == ACCEPTED:
                counted[minute] = (accepted + 1, failed)
            else:
                counted[minute] = (accepted, failed + 1)
        return [
            AttemptsInMinute(minute=minute, accepted=accepted, failed=failed)
            for minute, (accepted, failed) in sorted(counted.items())
        ]

    async def book_slots(self, change: SlotChange[T]) -> T:
        await self._reach()
        result, self._next_free_slot = change.apply(self._next_free_slot)
        return result

    async def read_record(self, name: str, now: datetime) -> str | None:
        await self._reach()
        return self._records.read(name, now)

    async def read_records(self, prefix: str, now: datetime) -> dict[str, str]:
        await self._reach()
        return self._records.read_prefix(prefix, now)

    async def write_record(
        self, name: str, value: str, expires_at: datetime | None, now: datetime
    ) -> None:
        await self._reach()
        self._records.write(name, value, expires_at, now)

    async def change_record(self, name: str, change: RecordChange[T], now: datetime) -> T:
        await self._reach()
        return self._records.change(name, change, now)

    async def migrate(self) -> list[str]:
        """Nothing to change: the store is made anew with every process."""
        await self._reach()
        return []

    async def ping(self) -> bool:
        return self.available

    async def _reach(self) -> None:
        await asyncio.sleep(0)
        if not self.available:
            raise StoreUnavailable("in-memory store switched off")


def _due_order(message: Message) -> tuple[datetime, int]:
    if message.status is MessageStatus.SENDING and message.lease_until is not None:
        return message.lease_until, message.id
    return message.next_attempt_at, message.id
