"""Concurrent reads of one page share one read (a dashboard polled by many, many clients on
the first page), and none is served a read that began before it asked."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class SharedReads(Generic[Key, Value]):
    """A read in flight may have started before a newcomer arrived and so miss a write the
    newcomer saw complete; the newcomer waits for the next read of that key instead, which
    starts once the one in flight ends and serves every caller that arrived meanwhile. Reads
    run in a task of their own, so a caller that stops waiting does not cancel the read the
    others are waiting for. A failed read fails every caller of its group."""

    def __init__(self, read: Callable[[Key], Awaitable[Value]]) -> None:
        self._read = read
        self._boarding: dict[Key, asyncio.Task[Value]] = {}
        self._in_flight: dict[Key, asyncio.Task[Value]] = {}

    async def read(self, key: Key) -> Value:
        group = self._boarding.get(key)
        if group is None or group.done():  # done while boarding: cancelled before it read
            group = asyncio.create_task(self._read_after(key, self._in_flight.get(key)))
            self._boarding[key] = group
        return await asyncio.shield(group)

    async def _read_after(self, key: Key, in_flight: asyncio.Task[Value] | None) -> Value:
        group = self._boarding[key]
        try:
            if in_flight is not None:
                await asyncio.wait((in_flight,))
        finally:  # boarding ends: later callers wait for the next group
            if self._boarding.get(key) is group:
                del self._boarding[key]
        self._in_flight[key] = group
        try:
            return await self._read(key)
        finally:
            if self._in_flight.get(key) is group:
                del self._in_flight[key]
