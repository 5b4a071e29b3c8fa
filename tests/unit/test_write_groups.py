"""Group commit: callers that arrive while a write is in flight share the next write."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from adapters.mysql.grouping import WriteGroups


class Recorder:
    def __init__(self, *, fail_on: int | None = None) -> None:
        self.groups: list[list[int]] = []
        self.fail_on = fail_on
        self.release = asyncio.Event()
        self.release.set()

    async def write(self, items: Sequence[int]) -> list[str]:
        self.groups.append(list(items))
        await self.release.wait()
        if self.fail_on in items:
            raise ValueError(f"cannot write {self.fail_on}")
        return [f"wrote {item}" for item in items]


async def test_a_lone_caller_gets_its_own_outcome() -> None:
    recorder = Recorder()
    groups = WriteGroups(recorder.write, max_items=10)

    assert await groups.submit(1) == "wrote 1"
    assert recorder.groups == [[1]]


async def test_callers_arriving_during_a_write_share_the_next_one() -> None:
    recorder = Recorder()
    recorder.release.clear()
    groups = WriteGroups(recorder.write, max_items=10)
    first = asyncio.create_task(groups.submit(0))
    await asyncio.sleep(0)  # the first write is in flight
    await asyncio.sleep(0)
    later = [asyncio.create_task(groups.submit(n)) for n in range(1, 6)]
    await asyncio.sleep(0)
    recorder.release.set()

    assert await first == "wrote 0"
    assert [await task for task in later] == [f"wrote {n}" for n in range(1, 6)]
    assert recorder.groups == [[0], [1, 2, 3, 4, 5]]


async def test_a_group_holds_at_most_max_items() -> None:
    recorder = Recorder()
    groups = WriteGroups(recorder.write, max_items=4)

    outcomes = await asyncio.gather(*(groups.submit(n) for n in range(10)))

    assert outcomes == [f"wrote {n}" for n in range(10)]
    assert recorder.groups == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


async def test_a_failed_write_fails_its_group_and_not_the_next() -> None:
    recorder = Recorder(fail_on=2)
    groups = WriteGroups(recorder.write, max_items=3)

    outcomes = await asyncio.gather(*(groups.submit(n) for n in range(5)), return_exceptions=True)

    assert [str(outcome) for outcome in outcomes[:3]] == ["cannot write 2"] * 3
    assert outcomes[3:] == ["wrote 3", "wrote 4"]


async def test_a_caller_that_stops_waiting_does_not_cancel_the_others_write() -> None:
    recorder = Recorder()
    recorder.release.clear()
    groups = WriteGroups(recorder.write, max_items=10)
    leaving = asyncio.create_task(groups.submit(1))
    staying = asyncio.create_task(groups.submit(2))
    await asyncio.sleep(0)
    await asyncio.sleep(0)

    leaving.cancel()
    recorder.release.set()

    assert await staying == "wrote 2"
    assert recorder.groups == [[1, 2]]
    with pytest.raises(asyncio.CancelledError):
        await leaving


async def test_a_write_that_returns_too_few_outcomes_fails_its_callers() -> None:
    async def short(items: Sequence[int]) -> list[str]:
        return ["only one"]

    groups = WriteGroups(short, max_items=10)

    outcomes = await asyncio.gather(groups.submit(1), groups.submit(2), return_exceptions=True)

    assert all(isinstance(outcome, RuntimeError) for outcome in outcomes)


def test_a_group_of_no_items_is_refused() -> None:
    with pytest.raises(ValueError, match="max_items"):
        WriteGroups(Recorder().write, max_items=0)
