"""Concurrent callers share one statement. WriteGroups (group commit): the items that arrive
while a write is in flight are written together by the next one. ReadGroups: concurrent reads
of one key share one read, and none is served a read that began before it asked. Under load
one statement serves many callers; a lone caller waits for nothing but its own."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")
Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class WriteGroups(Generic[Item, Outcome]):
    """Hands `write` the items waiting, at most `max_items` at a time, one write at a time.
    `write` returns one outcome per item, in order; each caller gets its own, or the write's
    error. Writes run in a task of their own, so a caller that stops waiting (a client that
    went away) does not cancel the write the others are waiting for."""

    def __init__(
        self, write: Callable[[Sequence[Item]], Awaitable[Sequence[Outcome]]], *, max_items: int
    ) -> None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        self._write = write
        self._max_items = max_items
        self._waiting: list[tuple[Item, asyncio.Future[Outcome]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Outcome:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_while_waiting())
        return await future

    async def _write_while_waiting(self) -> None:
        try:
            while self._waiting:
                await asyncio.sleep(0)  # let callers already under way join this group
                group = self._waiting[: self._max_items]
                del self._waiting[: self._max_items]
                await self._write_group(group)
        except BaseException as error:  # cancelled: nobody is left to write for the rest
            waiting, self._waiting = self._waiting, []
            _fail(waiting, error)
            raise
        finally:
            self._writer = None

    async def _write_group(self, group: list[tuple[Item, asyncio.Future[Outcome]]]) -> None:
        try:
            outcomes = await self._write([item for item, _ in group])
            if len(outcomes) != len(group):
                raise RuntimeError(f"{len(outcomes)} outcomes for a group of {len(group)}")
        except BaseException as error:
            _fail(group, error)
            if not isinstance(error, Exception):
                raise
            return
        for (_, future), outcome in zip(group, outcomes, strict=True):
            if not future.done():
                future.set_result(outcome)


def _fail(group: Sequence[tuple[object, asyncio.Future[Outcome]]], error: BaseException) -> None:
    """A cancelled write cancels its callers, as their own write would have been."""
    for _, future in group:
        if future.done():
            continue
        if isinstance(error, asyncio.CancelledError):
            future.cancel()
        else:
            future.set_exception(error)


class ReadGroups(Generic[Key, Value]):
    """A read in flight may have started before a newcomer arrived and so miss a write the
    newcomer saw complete; the newcomer waits for the next read of that key instead, which
    starts once the one in flight ends and serves every caller that arrived meanwhile. Reads
    run in a task of their own, so a caller that stops waiting (a client that went
    away) does not cancel the read the others are waiting for. A failed read fails every
    caller of its group; the next group reads afresh."""

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
