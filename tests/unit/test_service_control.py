"""Instances sharing a store are one service: the operator's start or stop asked of any holds
for all, a joining instance follows it, and the status adds up the live instances."""

from __future__ import annotations

import asyncio

from harness import Harness, settle

from adapters.memory import InMemoryMessageRepository
from insider_core import (
    InstanceAgent,
    InstanceIdentity,
    SchedulerConfig,
    ServiceControl,
    StartAnswer,
    StartOverrides,
)


class Instance:
    def __init__(self, name: str, store: InMemoryMessageRepository) -> None:
        self.harness = Harness(
            repository=store, scheduler=SchedulerConfig(interval_seconds=60, batch_size=2)
        )
        self.scheduler = self.harness.scheduler
        identity = InstanceIdentity(
            id=name, host="host", pid=1, version="1", started_at=self.harness.clock.now()
        )
        self.control = ServiceControl(self.scheduler, store, self.harness.clock, identity)
        self.agent = InstanceAgent(self.control)

    async def follow(self) -> None:
        await self.agent.follow_decision()


def two() -> tuple[Instance, Instance]:
    store = InMemoryMessageRepository()
    return Instance("a", store), Instance("b", store)


async def test_a_start_asked_of_one_instance_reaches_the_other_at_its_next_follow() -> None:
    a, b = two()
    await b.control.join(auto_start=False)

    assert await a.control.start(StartOverrides(batch_size=5)) is StartAnswer.STARTED
    assert a.scheduler.running
    assert not b.scheduler.running
    await b.follow()

    assert b.scheduler.running
    assert b.scheduler.config.batch_size == 5
    status = await b.control.status()
    assert (status.running, status.batch_size) == (True, 5)
    await a.scheduler.stop()
    await b.scheduler.stop()


async def test_a_running_service_is_already_running_and_refuses_new_settings() -> None:
    a, b = two()
    await a.control.start(StartOverrides())

    assert await b.control.start(StartOverrides()) is StartAnswer.ALREADY_RUNNING
    assert await b.control.start(StartOverrides(batch_size=9)) is StartAnswer.CONFLICT
    assert b.scheduler.config.batch_size == 2
    await a.scheduler.stop()
    await b.scheduler.stop()


async def test_a_stop_is_answered_only_once_every_live_instance_has_stopped() -> None:
    a, b = two()
    await a.control.start(StartOverrides())
    await b.follow()
    await b.control.beat()
    assert b.scheduler.running

    stopping = asyncio.create_task(a.control.stop())
    await a.harness.advance(0.5)
    assert not stopping.done()  # b still claims

    await b.follow()
    await a.harness.advance(0.2)

    assert stopping.done()
    assert stopping.result() is True
    assert not a.scheduler.running
    assert not b.scheduler.running
    assert await b.control.stop() is False


async def test_a_joining_instance_follows_the_operator_not_its_auto_start() -> None:
    a, b = two()
    await a.control.join(auto_start=True)  # a fresh store: auto-start holds
    assert a.scheduler.running
    await a.control.stop()

    await b.control.join(auto_start=True)

    assert not b.scheduler.running
    assert not (await b.control.status()).running
    await a.control.start(StartOverrides(interval_seconds=5))
    late = Instance("c", a.harness.repository)
    await late.control.join(auto_start=False)
    assert late.scheduler.running
    assert late.scheduler.config.interval_seconds == 5
    for scheduler in (a.scheduler, b.scheduler, late.scheduler):
        await scheduler.stop()


async def test_the_status_adds_up_the_live_instances_and_a_silent_one_drops_off() -> None:
    a, b = two()
    a.scheduler.messages_sent, b.scheduler.messages_sent = 3, 4
    b.scheduler.messages_failed = 1
    await a.control.beat()
    await b.control.beat()

    status = await a.control.status()
    assert [i.id for i in status.instances] == ["a", "b"]
    assert (status.messages_sent, status.messages_failed) == (7, 1)

    await a.harness.advance(a.control.beat_lifetime.total_seconds())  # b has not beaten since
    status = await a.control.status()
    assert [i.id for i in status.instances] == ["a"]
    assert status.messages_sent == 3
    await settle()
