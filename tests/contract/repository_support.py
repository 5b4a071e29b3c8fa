"""What the repository contract suites share: fixed moments and outcomes, message and result
builders, and the fixtures each store's test class provides."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from random import Random

import pytest

from adapters.memory import ManualClock
from insider_core import (
    DeliveryAttempt,
    DeliveryResult,
    ErrorKind,
    Message,
    MessageRepository,
    NewMessage,
    PageRequest,
    RetryPolicy,
    SendOutcome,
)
from insider_core.text import storable
from insider_core.values import ATTEMPT_DETAIL_LIMIT

START = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)
LEASE = timedelta(seconds=60)
PHONE = "+905551112233"
POLICY = RetryPolicy(max_attempts=3, base_seconds=30, max_seconds=3600)
MAX_ATTEMPTS = POLICY.max_attempts

ACCEPTED = SendOutcome.http(202, receipt_id="wh-1", duration_seconds=0.25)
UNAVAILABLE = SendOutcome.http(503, body="try later 🙁", duration_seconds=1.5)
REJECTED = SendOutcome.http(400, body="bad number", duration_seconds=0.1)
TIMED_OUT = SendOutcome.failure(ErrorKind.TIMEOUT, "timed out", duration_seconds=30.0)


def new_message(
    at: datetime,
    *,
    key: str | None = None,
    content: str = "Hello",
    send_at: datetime | None = None,
) -> NewMessage:
    return NewMessage(
        content=content,
        phone_number=PHONE,
        idempotency_key=key or str(uuid.uuid4()),
        created_at=at,
        send_at=send_at,
    )


def outcome_of(
    claimed: Message, outcome: SendOutcome, at: datetime, *, token: str | None = None
) -> DeliveryResult:
    """What a worker reports after sending `claimed` (its attempt's detail made storable, as the
    core's delivery makes it); `token` overrides the claim it holds."""
    return DeliveryResult(
        message=claimed.apply_outcome(outcome, POLICY, at, Random(7)),
        claim_token=token or claimed.claim_token or "",
        attempt=DeliveryAttempt(
            message_id=claimed.id,
            attempt_number=claimed.attempts,
            started_at=at - timedelta(seconds=outcome.duration_seconds),
            duration_ms=round(outcome.duration_seconds * 1000),
            http_status=outcome.http_status,
            error_kind=outcome.error_kind,
            detail=storable(outcome.error, ATTEMPT_DETAIL_LIMIT),
        ),
    )


Operation = Callable[[MessageRepository, datetime], Awaitable[object]]
EVERY_OPERATION: dict[str, Operation] = {
    "add": lambda store, now: store.add(new_message(now)),
    "add_many": lambda store, now: store.add_many([new_message(now), new_message(now)]),
    "get": lambda store, now: store.get(1),
    "list_page": lambda store, now: store.list_page(PageRequest()),
    "list_page of sent": lambda store, now: store.list_page(PageRequest.sent(1, 20)),
    "stats": lambda store, now: store.stats(),
    "claim_due": lambda store, now: store.claim_due(
        10, now, now + LEASE, "token", max_attempts=MAX_ATTEMPTS
    ),
    "save_results": lambda store, now: store.save_results([unclaimed_result(now)]),
    "replay_one": lambda store, now: store.replay_one(1, now),
    "replay_all": lambda store, now: store.replay_all(now),
    "count_failed": lambda store, now: store.count_failed(now - LEASE),
    "list_attempts": lambda store, now: store.list_attempts(1),
    "prune_attempts": lambda store, now: store.prune_attempts(now),
    "attempts_per_minute": lambda store, now: store.attempts_per_minute(now - LEASE),
}


def unclaimed_result(at: datetime) -> DeliveryResult:
    """A result for a message the store never handed out: one it would apply to nothing."""
    claimed = Message.from_new(1, new_message(at)).claim(at, at + LEASE, "token")
    return outcome_of(claimed, ACCEPTED, at)


def ids(messages: Iterable[Message]) -> list[int]:
    return [message.id for message in messages]


class RepositoryContractBase:
    @pytest.fixture
    async def repository(self) -> MessageRepository:
        """An empty store, reachable for the whole test."""
        raise NotImplementedError

    @pytest.fixture
    async def unreachable_repository(self) -> MessageRepository:
        """A repository whose store cannot be reached: taken down the way this kind of store
        goes down (a closed connection, a cut network, a fake switched off)."""
        raise NotImplementedError

    @pytest.fixture
    def replay_chunk_rows(self) -> int:
        """How many messages a replay of every failed message changes in one step at most."""
        raise NotImplementedError

    @pytest.fixture
    def clock(self) -> ManualClock:
        return ManualClock(START)

    async def add_at(self, repository: MessageRepository, *moments: datetime) -> list[Message]:
        return [(await repository.add(new_message(moment)))[0] for moment in moments]

    async def claim(
        self, repository: MessageRepository, at: datetime, limit: int = 100
    ) -> list[Message]:
        return await repository.claim_due(
            limit, at, at + LEASE, uuid.uuid4().hex, max_attempts=MAX_ATTEMPTS
        )

    async def settle(
        self, repository: MessageRepository, at: datetime, *outcomes: SendOutcome
    ) -> list[Message]:
        """Add one message per outcome, claim them and record the outcomes in one batch."""
        await self.add_at(repository, *([at] * len(outcomes)))
        claimed = await self.claim(repository, at, limit=len(outcomes))
        results = [outcome_of(m, o, at) for m, o in zip(claimed, outcomes, strict=True)]
        assert await repository.save_results(results) == len(results)
        return [result.message for result in results]

    async def refuse_all(
        self, repository: MessageRepository, count: int, *moments: datetime
    ) -> list[Message]:
        """Add `count` messages, claim them all, and record them refused for good, in id order
        at each of `moments` in turn."""
        assert await repository.add_many([new_message(START) for _ in range(count)]) == count
        claimed = await self.claim(repository, moments[0], limit=count)
        results = [
            outcome_of(m, REJECTED, moments[n % len(moments)]) for n, m in enumerate(claimed)
        ]
        assert await repository.save_results(results) == count
        return [result.message for result in results]
