"""Concurrent reads of one key share one read, and no caller is served a read that began
before it asked."""

from __future__ import annotations

import asyncio

import pytest

from adapters.sql.shared_reads import SharedReads


class Store:
    """A value per key that writers raise; each read returns what it saw when it began, and
    waits for `release` before it returns."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}
        self.reads: list[str] = []
        self.release = asyncio.Event()
        self.release.set()
        self.failing = False

    async def read(self, key: str) -> int:
        self.reads.append(key)
        seen = self.values.get(key, 0)
        await self.release.wait()
        if self.failing:
            raise ConnectionError("the store went away")
        return seen


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_lone_caller_gets_its_own_read() -> None:
    store = Store()
    store.values["page 1"] = 7

    assert await SharedReads(store.read).read("page 1") == 7
    assert store.reads == ["page 1"]


async def test_callers_arriving_together_share_one_read() -> None:
    store = Store()
    store.values["page 1"] = 3
    groups = SharedReads(store.read)

    values = await asyncio.gather(*(groups.read("page 1") for _ in range(20)))

    assert values == [3] * 20
    assert store.reads == ["page 1"]


async def test_a_caller_arriving_during_a_read_waits_for_the_next_and_sees_earlier_writes() -> None:
    store = Store()
    store.release.clear()
    groups = SharedReads(store.read)
    early = asyncio.create_task(groups.read("page 1"))
    await settle()  # the first read has begun: it saw 0
    store.values["page 1"] = 1  # a write completes; then more callers ask
    late = [asyncio.create_task(groups.read("page 1")) for _ in range(5)]
    await settle()
    store.release.set()

    assert await early == 0
    assert [await task for task in late] == [1] * 5
    assert store.reads == ["page 1", "page 1"]


async def test_different_keys_are_read_apart() -> None:
    store = Store()
    store.values.update({"page 1": 1, "page 2": 2})
    groups = SharedReads(store.read)

    values = await asyncio.gather(groups.read("page 1"), groups.read("page 2"))

    assert values == [1, 2]
    assert sorted(store.reads) == ["page 1", "page 2"]


async def test_a_failed_read_fails_its_group_and_the_next_group_reads_afresh() -> None:
    store = Store()
    store.failing = True
    groups = SharedReads(store.read)

    outcomes = await asyncio.gather(
        *(groups.read("page 1") for _ in range(3)), return_exceptions=True
    )
    store.failing = False
    store.values["page 1"] = 5

    assert all(isinstance(outcome, ConnectionError) for outcome in outcomes)
    assert await groups.read("page 1") == 5
    assert store.reads == ["page 1", "page 1"]


async def test_a_caller_that_stops_waiting_does_not_cancel_the_read_of_the_others() -> None:
    store = Store()
    store.release.clear()
    store.values["page 1"] = 9
    groups = SharedReads(store.read)
    leaving = asyncio.create_task(groups.read("page 1"))
    staying = asyncio.create_task(groups.read("page 1"))
    await settle()
    leaving.cancel()
    await settle()
    store.release.set()

    with pytest.raises(asyncio.CancelledError):
        await leaving
    assert await staying == 9
    assert store.reads == ["page 1"]


async def test_a_group_cancelled_before_it_read_leaves_later_callers_a_fresh_read() -> None:
    store = Store()
    store.release.clear()
    groups = SharedReads(store.read)
    first = asyncio.create_task(groups.read("page 1"))
    await settle()  # the first read is in flight
    waiting = asyncio.create_task(groups.read("page 1"))
    await settle()
    groups._boarding["page 1"].cancel()  # as a shutting-down loop cancels every task
    await settle()
    store.values["page 1"] = 4
    store.release.set()

    assert await first == 0
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await groups.read("page 1") == 4


async def test_nothing_is_kept_once_every_read_is_done() -> None:
    store = Store()
    groups = SharedReads(store.read)

    await asyncio.gather(*(groups.read(f"page {n}") for n in range(50)))

    assert groups._boarding == {}
    assert groups._in_flight == {}
