"""Group commit: concurrent callers share one write. The items that arrive while a write is
in flight are written together by the next one, so under load one statement serves many
callers, and a lone caller still waits for nothing but its own write."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


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
