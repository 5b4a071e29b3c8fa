"""A worker of several follows the scheduler orders the others relay (the relay itself, through
the supervisor's signal, is proved with real processes in tests/e2e/test_workers.py)."""

from __future__ import annotations

import signal
from pathlib import Path

import msgspec
import pytest
from harness import Harness, settle

from entrypoints.scheduler_relay import (
    ORDER_FILE_VARIABLE,
    RELAY_SIGNAL,
    OrderFollower,
    SchedulerOrder,
    relay,
)


def write_order(path: Path, order: SchedulerOrder) -> None:
    path.write_bytes(msgspec.json.encode(order))


async def test_a_process_serving_alone_relays_nothing_and_follows_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ORDER_FILE_VARIABLE, raising=False)
    harness = Harness()

    relay(SchedulerOrder(running=False))  # no supervisor to signal: nothing happens

    assert OrderFollower.install(harness.scheduler) is None


async def test_an_order_to_start_starts_the_scheduler_with_its_overrides(tmp_path: Path) -> None:
    harness = Harness()
    follower = OrderFollower(harness.scheduler, tmp_path / "order.json")
    write_order(follower.path, SchedulerOrder(running=True, batch_size=7, interval_seconds=3))

    follower.follow()

    assert harness.scheduler.running
    status = harness.scheduler.status()
    assert (status.batch_size, status.interval_seconds) == (7, 3)
    await harness.scheduler.stop()


async def test_an_order_to_stop_stops_the_scheduler_once_its_batch_is_recorded(
    tmp_path: Path,
) -> None:
    harness = Harness()
    await harness.create(2)
    harness.scheduler.start()
    follower = OrderFollower(harness.scheduler, tmp_path / "order.json")
    write_order(follower.path, SchedulerOrder(running=False))

    follower.follow()
    await settle()

    assert not harness.scheduler.running
    assert (await harness.service.stats()).sending == 0


async def test_a_scheduler_that_cannot_start_is_not_started_by_an_order(tmp_path: Path) -> None:
    harness = Harness()
    harness.scheduler.cannot_start = "WEBHOOK_URL is not set"
    follower = OrderFollower(harness.scheduler, tmp_path / "order.json")
    write_order(follower.path, SchedulerOrder(running=True))

    follower.follow()

    assert not harness.scheduler.running


async def test_an_unreadable_order_changes_nothing_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    harness = Harness()
    harness.scheduler.start()
    follower = OrderFollower(harness.scheduler, tmp_path / "order.json")
    follower.path.write_bytes(b'{"running": fal')

    follower.follow()

    assert harness.scheduler.running
    assert "scheduler order unreadable, ignored" in caplog.text
    await harness.scheduler.stop()


async def test_a_worker_that_starts_after_an_order_follows_it_once_it_is_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    order_file = tmp_path / "order.json"
    write_order(order_file, SchedulerOrder(running=False))
    monkeypatch.setenv(ORDER_FILE_VARIABLE, str(order_file))
    harness = Harness()
    harness.scheduler.start()  # AUTO_START_SCHEDULER

    follower = OrderFollower.install(harness.scheduler)
    await settle()

    assert follower is not None
    assert not harness.scheduler.running
    follower.uninstall()
    signal.signal(RELAY_SIGNAL, signal.SIG_DFL)  # as this test process had it
