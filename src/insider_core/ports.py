"""What the core needs from the world. Every adapter names the Protocol it implements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from insider_core.batch_report import BatchReport
from insider_core.message import Message, NewMessage
from insider_core.outcome import SendOutcome
from insider_core.values import (
    Alert,
    AttemptsInMinute,
    CachedPage,
    CachedSend,
    DeliveryAttempt,
    DeliveryResult,
    MessageStats,
    Page,
    PageRequest,
    ReceiverAlert,
    SlotGrant,
)

R_co = TypeVar("R_co", covariant=True)
T = TypeVar("T")


class MessageRepository(Protocol):
    async def add(self, new: NewMessage) -> tuple[Message, bool]:
        """Store a message; with a known idempotency key return the stored one and False."""
        ...

    async def add_many(self, new: Sequence[NewMessage]) -> int:
        """Store many messages at once (seeding, imports); returns how many were stored."""
        ...

    async def get(self, message_id: int) -> Message | None: ...

    async def list_page(self, request: PageRequest) -> Page[Message]:
        """Newest first: by id, or by sentAt when `newest_sent_first`; only the messages to
        `phone_number` when it is given."""
        ...

    async def stats(self) -> MessageStats: ...

    async def claim_due(
        self,
        limit: int,
        now: datetime,
        lease_until: datetime,
        claim_token: str,
        *,
        max_attempts: int,
    ) -> list[Message]:
        """Atomically claim up to `limit` claimable messages, oldest due first, and return
        those taken (see claiming.claim_each): an expired lease found with no attempt left
        goes to failed instead, and counts against `limit`. Concurrent callers never receive
        the same message while its lease holds."""
        ...

    async def save_results(self, results: Sequence[DeliveryResult]) -> int:
        """Write a batch of results and their attempts in a constant number of statements.
        A result whose claim token no longer holds changes nothing. Returns how many applied."""
        ...

    async def replay_one(self, message_id: int, now: datetime) -> Message | None:
        """Replay a failed message; None when it does not exist or is not failed."""
        ...

    async def replay_all(self, now: datetime, since: datetime | None = None) -> int:
        """Replay every failed message, or only those that failed (their `updated_at`) at or
        after `since`; returns how many. Runs in short steps (a bounded number of messages
        each, by id), other work going on between them: a message that fails again once its
        step is done stays failed, and one the call stops before (the store went down) too."""
        ...

    async def count_failed(self, since: datetime | None = None) -> int:
        """How many messages `replay_all` with this `since` would replay now."""
        ...

    async def list_attempts(self, message_id: int) -> list[DeliveryAttempt]: ...

    async def prune_attempts(self, older_than: datetime) -> int: ...

    async def attempts_per_minute(self, since: datetime) -> list[AttemptsInMinute]:
        """The attempts of every process sharing the store that started at `since` or later,
        counted per UTC minute, oldest minute first; a minute without attempts is left out."""
        ...

    async def ping(self) -> bool: ...


class SlotChange(Protocol[R_co]):
    def apply(self, next_free: datetime | None) -> tuple[R_co, datetime | None]:
        """What the change gives, and the next free send slot it leaves."""
        ...


class SendSlotLedger(Protocol):
    """Where every process sharing a store books its send slots (see send_rate.py)."""

    async def book_slots(self, change: SlotChange[T]) -> T:
        """Atomically for every process sharing the store: read the start of the next free
        send slot (None before the first booking), apply `change`, keep what it leaves."""
        ...


class RecordChange(Protocol[R_co]):
    def apply(self, current: str | None) -> tuple[R_co, str | None, datetime | None]:
        """What the change gives, the value to keep (None: leave the record as it is) and
        when that value expires (None: never)."""
        ...


class SharedRecords(Protocol):
    """Small named records that every instance sharing the store reads and writes: what the
    whole service must agree on (the scheduler's desired state, the live instances, the
    receiver's breaker, the dashboard's secret and sign-outs). A record past its expiry reads
    as absent; writing one at its expiry removes it."""

    async def read_record(self, name: str, now: datetime) -> str | None: ...

    async def read_records(self, prefix: str, now: datetime) -> dict[str, str]:
        """Every live record whose name starts with `prefix`, by name."""
        ...

    async def write_record(
        self, name: str, value: str, expires_at: datetime | None, now: datetime
    ) -> None:
        """Keep `value` under `name`, replacing what was there; records expired at `now` go."""
        ...

    async def change_record(self, name: str, change: RecordChange[T], now: datetime) -> T:
        """Atomically for every instance sharing the store: read the live record (None when
        absent or expired), apply `change`, keep what it gives. A store that runs the change
        again (after a deadlock) applies it again, so `apply` only computes."""
        ...


class Store(MessageRepository, SendSlotLedger, SharedRecords, Protocol):
    """One database holding everything the service keeps: its messages, the cluster's send
    slots and the shared records."""

    async def migrate(self) -> list[str]:
        """Apply the schema changes the store lacks; the names of those applied."""
        ...


class SendRate(Protocol):
    """The cluster-wide rate limit as the dispatcher books it (see send_rate.py)."""

    async def book(self, wanted: int) -> SlotGrant: ...

    async def give_back(self, grant: SlotGrant, used: int) -> None: ...


class DispatchObserver(Protocol):
    def batch_finished(self, report: BatchReport) -> None: ...


class MessageSender(Protocol):
    async def send(self, message: Message, content: str) -> SendOutcome:
        """POST one message (with `content` already cut to the limit); never raises for a
        delivery failure, which is reported in the outcome."""
        ...


class SentCache(Protocol):
    async def put_many(self, entries: Sequence[CachedSend]) -> None: ...

    async def get_page(self, after: int, limit: int) -> CachedPage:
        """The entries with an id above `after`, lowest id first, at most `limit` of them, and
        the id to read on from (None when no entry follows). Bounded work whatever the cache
        holds; an entry expiring as the page is read may leave it short of `limit`, with the
        next page still to read. Raises CacheUnavailable when the cache cannot be read."""
        ...

    async def ping(self) -> bool: ...


class AlertNotifier(Protocol):
    async def notify(self, alert: Alert | ReceiverAlert) -> None:
        """Raises AlertNotDelivered when the alert webhook refuses it or cannot be reached."""
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    async def sleep(self, seconds: float) -> None: ...
