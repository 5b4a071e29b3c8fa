"""Instances sharing a store hold one breaker: an opening or a pause seen by one holds all at
their next sync, one of them probes, and the operator hears of each opening and closing once."""

from __future__ import annotations

import asyncio

from hypothesis import given
from hypothesis import strategies as st

from adapters.memory import InMemoryMessageRepository, ManualClock
from insider_core import (
    BreakerConfig,
    BreakerState,
    CircuitBreaker,
    ReceiverStatus,
    SendOutcome,
    ServiceBreaker,
)

DOWN = SendOutcome.http(503)
ACCEPTED = SendOutcome.http(202, receipt_id="m")
CONFIG = BreakerConfig(window=10, min_sends=4, probe_delay_seconds=1, max_probe_delay_seconds=8)
LEASE = 10.0


class Instance:
    def __init__(
        self, name: str, store: InMemoryMessageRepository, clock: ManualClock, heard: list[str]
    ) -> None:
        self.name = name
        self.clock = clock
        self.breaker = CircuitBreaker(CONFIG)
        self.heard = heard
        self.shared = ServiceBreaker(self.breaker, store, clock, name, LEASE, alerts=self._alert)

    def _alert(self, status: ReceiverStatus) -> None:
        self.heard.append(f"{self.name}: {status.state.value}")

    def send(self, outcome: SendOutcome) -> bool:
        permit = self.breaker.permit(self.clock.now())
        if permit is None:
            return False
        self.breaker.observe(permit, outcome, self.clock.now())
        return True

    def see_the_receiver_down(self) -> None:
        for _ in range(4):
            self.send(DOWN)
        assert self.breaker.state is BreakerState.OPEN


def service(count: int) -> tuple[list[Instance], ManualClock, list[str]]:
    store, clock, heard = InMemoryMessageRepository(), ManualClock(), []
    return [Instance(f"i{n}", store, clock, heard) for n in range(count)], clock, heard


async def test_an_opening_seen_by_one_instance_holds_every_other_at_its_next_sync() -> None:
    (a, b, c), _, heard = service(3)
    a.see_the_receiver_down()
    assert a.shared.changed.is_set()  # published at once, not at the next tick

    await a.shared.sync()
    assert b.breaker.state is BreakerState.CLOSED
    await b.shared.sync()
    await c.shared.sync()

    assert b.breaker.state is c.breaker.state is BreakerState.OPEN
    assert await b.shared.allowance(100) == 0
    assert not b.send(ACCEPTED)
    assert heard == ["i0: open"]


async def test_two_instances_opening_at_once_alert_the_operator_once() -> None:
    (a, b), _, heard = service(2)
    a.see_the_receiver_down()
    b.see_the_receiver_down()

    await asyncio.gather(a.shared.sync(), b.shared.sync())

    assert heard == ["i0: open"]


@given(st.permutations(range(4)))
async def test_whatever_order_they_ask_in_one_instance_takes_the_probe_for_all(
    order: list[int],
) -> None:
    instances, clock, _ = service(4)
    instances[0].see_the_receiver_down()
    for instance in instances:
        await instance.shared.sync()
    clock.advance(1)  # the probe delay

    allowed = {n: await instances[n].shared.allowance(100) for n in order}

    assert sorted(allowed.values()) == [0, 0, 0, 1]
    assert allowed[order[0]] == 1


async def test_the_probe_s_success_closes_the_breaker_for_all_with_one_alert() -> None:
    (a, b), clock, heard = service(2)
    a.see_the_receiver_down()
    await a.shared.sync()
    await b.shared.sync()
    clock.advance(1)
    assert await b.shared.allowance(100) == 1

    assert b.send(ACCEPTED)
    await b.shared.sync()
    await a.shared.sync()

    assert a.breaker.state is b.breaker.state is BreakerState.CLOSED
    assert await a.shared.allowance(100) == 100
    assert heard == ["i0: open", "i1: closed"]


async def test_a_failed_probe_keeps_everyone_holding_and_doubles_the_wait_for_all() -> None:
    (a, b), clock, heard = service(2)
    a.see_the_receiver_down()
    await a.shared.sync()
    await b.shared.sync()
    clock.advance(1)
    assert await a.shared.allowance(100) == 1
    assert await b.shared.allowance(100) == 0

    assert a.send(DOWN)
    await a.shared.sync()
    await b.shared.sync()

    ready = b.breaker.ready_at(clock.now())
    assert ready is not None
    assert (ready - clock.now()).total_seconds() == 2
    assert heard == ["i0: open"]


async def test_when_the_prober_never_answers_another_probes_once_its_lease_is_over() -> None:
    (a, b), clock, _ = service(2)
    a.see_the_receiver_down()
    await a.shared.sync()
    await b.shared.sync()
    clock.advance(1)
    assert await a.shared.allowance(100) == 1  # and then a dies with its probe out

    clock.advance(LEASE - 0.5)
    assert await b.shared.allowance(100) == 0
    clock.advance(0.5)
    assert await b.shared.allowance(100) == 1


async def test_a_pause_the_receiver_asked_of_one_instance_holds_every_instance() -> None:
    (a, b), clock, heard = service(2)
    a.send(SendOutcome.http(503, retry_after_seconds=30))

    await a.shared.sync()
    await b.shared.sync()

    assert b.breaker.paused(clock.now())
    assert b.breaker.ready_at(clock.now()) == a.breaker.paused_until
    assert b.breaker.state is BreakerState.CLOSED
    assert heard == []
