"""A dispatcher and scheduler wired to the in-memory adapters, as the tests need them."""

from __future__ import annotations

import asyncio
from random import Random

from adapters.memory import (
    InMemoryMessageRepository,
    InMemorySentCache,
    ManualClock,
    RecordingAlertNotifier,
    ScriptedSender,
)
from insider_core import (
    CircuitBreaker,
    ClusterRateLimit,
    DispatchConfig,
    Dispatcher,
    FailureInjection,
    MessageService,
    RetryPolicy,
    Scheduler,
    SchedulerConfig,
)


class Harness:
    def __init__(
        self,
        sender: ScriptedSender | None = None,
        *,
        repository: InMemoryMessageRepository | None = None,
        policy: RetryPolicy | None = None,
        dispatch: DispatchConfig | None = None,
        scheduler: SchedulerConfig | None = None,
        breaker: CircuitBreaker | None = None,
        rate_limit: float = 0,
        clock: ManualClock | None = None,
    ) -> None:
        self.clock = clock or ManualClock()
        self.repository = repository or InMemoryMessageRepository()
        self.sender = sender or ScriptedSender()
        self.injection = FailureInjection(self.sender, Random(11))
        self.cache = InMemorySentCache(self.clock)
        self.notifier = RecordingAlertNotifier()
        self.service = MessageService(self.repository, self.cache, self.clock)
        self.dispatcher = Dispatcher(
            self.repository,
            self.injection,
            self.cache,
            self.clock,
            policy or RetryPolicy(),
            dispatch or DispatchConfig(),
            rng=Random(7),
            breaker=breaker,
            send_rate=(
                ClusterRateLimit(self.repository, self.clock, rate_limit) if rate_limit else None
            ),
        )
        self.scheduler = Scheduler(
            self.dispatcher,
            self.clock,
            scheduler or SchedulerConfig(interval_seconds=120, batch_size=2),
            self.notifier,
            failure_injection=self.injection,
        )

    async def create(self, count: int) -> None:
        for n in range(count):
            await self.service.create(f"message {n}", "+905551234567")

    async def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await settle()


async def settle(rounds: int = 20) -> None:
    """Let every task that can run do so; the manual clock keeps time still meanwhile."""
    for _ in range(rounds):
        await asyncio.sleep(0)
