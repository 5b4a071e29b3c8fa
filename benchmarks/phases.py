"""Where a batch's wall-clock time goes: the product's Dispatcher with the real adapters
(MySQL, aiohttp, Redis) in this process, the repository and the cache timed at their ports.
Whatever is not claim, record or cache is sending (and the Python around it). Beside it, the
same dispatcher over a store that costs nothing (NoStore): what it reaches with no database."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from adapters.http import AiohttpWebhookSender, create_client_session
from adapters.memory import InMemorySentCache
from adapters.mysql import MySqlMessageRepository
from benchmarks import mariadb
from benchmarks.delivery import BATCH_SIZE, CONCURRENCY
from benchmarks.mariadb import BenchDatabase, content_for, phone_for
from benchmarks.service import BENCH_REDIS_URL, redis_reachable
from insider_core import (
    CircuitBreaker,
    DeliveryResult,
    DispatchConfig,
    Dispatcher,
    Message,
    MessageStatus,
    RetryPolicy,
    SendOutcome,
    SendPermit,
    SystemClock,
)


class TimedPort:
    """Forwards to `inner`, adding the seconds each awaited method takes to `spent`."""

    def __init__(self, inner: Any, spent: defaultdict[str, float]) -> None:
        self._inner = inner
        self._spent = spent

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)
        if not callable(method):
            return method

        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                self._spent[name] += time.perf_counter() - started

        return timed


async def phase_shares(db: BenchDatabase, webhook_url: str, count: int) -> dict[str, float]:
    """Shares of the wall-clock time spent in each phase while dispatching `count` messages
    in batches, back to back; "rate" is the messages per second reached."""
    await mariadb.recreate(db)
    await mariadb.insert_pending(db, count)
    repository = await MySqlMessageRepository.open(
        host=db.host, port=db.port, user=db.user, password=db.password, database=db.name
    )
    cache, close_cache = await _sent_cache()
    spent: defaultdict[str, float] = defaultdict(float)
    try:
        elapsed = await _dispatch_all(
            TimedPort(repository, spent), TimedPort(cache, spent), webhook_url
        )
    finally:
        await close_cache()
        await repository.close()
    shares = {
        "claim": spent["claim_due"] / elapsed,
        "record": spent["save_results"] / elapsed,
        "cache": spent["put_many"] / elapsed,
    }
    shares["sending"] = 1 - sum(shares.values())
    shares["rate"] = count / elapsed
    return shares


class NoStore:
    """Hands out `count` pending messages in order, a batch per claim, and takes every record
    at once: the dispatcher's own work and the sending, with no store to wait for."""

    def __init__(self, count: int) -> None:
        created = datetime.now(UTC)
        self._pending = [
            Message(
                id=n,
                content=content_for(n),
                phone_number=phone_for(n),
                status=MessageStatus.PENDING,
                next_attempt_at=created,
                idempotency_key=str(uuid.uuid4()),
                created_at=created,
                updated_at=created,
            )
            for n in range(1, count + 1)
        ]

    async def claim_due(
        self,
        limit: int,
        now: datetime,
        lease_until: datetime,
        claim_token: str,
        *,
        max_attempts: int,
    ) -> list[Message]:
        batch, self._pending = self._pending[:limit], self._pending[limit:]
        return [message.claim(now, lease_until, claim_token) for message in batch]

    async def save_results(self, results: Sequence[DeliveryResult]) -> int:
        return len(results)


class NoBreaker(CircuitBreaker):
    """A breaker that never looks at an answer: the dispatcher without the breaker's work."""

    def allowance(self, wanted: int, now: datetime) -> int:
        return wanted

    def permit(self, now: datetime) -> SendPermit | None:
        return PERMIT

    def observe(self, permit: SendPermit, outcome: SendOutcome, now: datetime) -> None:
        return None


PERMIT = SendPermit(0)


async def no_store_rate(webhook_url: str, count: int, *, breaker: bool = True) -> float:
    """Messages per second of the dispatcher over NoStore, with the same sender and cache;
    without `breaker`, over NoBreaker."""
    cache, close_cache = await _sent_cache()
    try:
        chosen = CircuitBreaker() if breaker else NoBreaker()
        return count / await _dispatch_all(NoStore(count), cache, webhook_url, chosen)
    finally:
        await close_cache()


async def _dispatch_all(
    repository: Any, cache: Any, webhook_url: str, breaker: CircuitBreaker | None = None
) -> float:
    """Seconds the product's Dispatcher takes to dispatch every due message of `repository`,
    in batches back to back, with the real sender."""
    session = create_client_session(concurrency=CONCURRENCY)
    dispatcher = Dispatcher(
        repository=repository,
        sender=AiohttpWebhookSender(session, webhook_url),
        cache=cache,
        clock=SystemClock(),
        policy=RetryPolicy(),
        config=DispatchConfig(concurrency=CONCURRENCY),
        breaker=breaker,
    )
    try:
        started = time.perf_counter()
        while (await dispatcher.dispatch_batch(BATCH_SIZE)).claimed:
            pass
        return time.perf_counter() - started
    finally:
        await session.close()


async def _sent_cache() -> tuple[Any, Callable[[], Awaitable[None]]]:
    if redis_reachable():
        from adapters.redis import RedisSentCache

        redis = RedisSentCache.from_url(BENCH_REDIS_URL)
        return redis, redis.close
    memory = InMemorySentCache(SystemClock())

    async def nothing() -> None:
        return None

    return memory, nothing
