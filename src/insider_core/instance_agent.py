"""Keeps one instance in step with the service it is part of, off the dispatch path: it
follows the operator's decision and the service's breaker (one read of each a second, and a
breaker change of its own is published at once), and beats so that the others see it live."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from insider_core.errors import StoreUnavailable
from insider_core.service_breaker import ServiceBreaker
from insider_core.service_control import ServiceControl

log = logging.getLogger(__name__)
FOLLOW_SECONDS = 1.0


class InstanceAgent:
    def __init__(
        self,
        control: ServiceControl,
        shared_breaker: ServiceBreaker | None = None,
        follow_seconds: float = FOLLOW_SECONDS,
    ) -> None:
        self.control = control
        self.shared_breaker = shared_breaker
        self.follow_seconds = follow_seconds
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        loops: list[tuple[str, Callable[[], Awaitable[float]]]] = [
            ("decision", self.follow_decision),
            ("beat", self.beat),
        ]
        if self.shared_breaker is not None:
            loops.append(("breaker", self.follow_breaker))
        self._tasks = [
            asyncio.create_task(self._every(step), name=f"insider-instance-{name}")
            for name, step in loops
        ]

    async def stop(self) -> None:
        """Stop following and beating, and drop off the list of live instances."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        with contextlib.suppress(Exception):
            await self.control.leave()

    async def follow_decision(self) -> float:
        decision = await self.control.decision()
        if decision is not None and decision.version > self.control.following:
            if await self.control.follow(decision):
                await self.control.beat()  # at once: a stop waits for it
            self.control.following = max(self.control.following, decision.version)
        return self.follow_seconds

    async def beat(self) -> float:
        await self.control.beat()
        return self.control.beat_seconds

    async def follow_breaker(self) -> float:
        """Sync now, then again after a second or as soon as this instance's breaker has
        something to publish."""
        assert self.shared_breaker is not None
        await self.shared_breaker.sync()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.shared_breaker.changed.wait(), self.follow_seconds)
        return 0.0

    async def _every(self, step: Callable[[], Awaitable[float]]) -> None:
        while True:
            try:
                pause = await step()
            except StoreUnavailable as error:
                log.warning("store unavailable; the instance follows again shortly: %s", error)
                pause = self.follow_seconds
            except Exception:
                log.exception("the instance could not follow the service; trying again shortly")
                pause = self.follow_seconds
            if pause > 0:
                await self.control.clock.sleep(pause)
