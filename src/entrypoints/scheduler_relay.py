"""With several workers (`insider serve --workers N`), a start or stop of the scheduler asked of
the worker that answers reaches every worker: that worker writes the order to the run's order
file and signals the supervisor, which passes the signal on to every worker; each reads the
file and starts or stops its own scheduler as ordered. A worker alone (no supervisor) relays
nothing.

The last order written is the one every worker follows, so two orders given at once to two
workers end with all of them in the state of the later one."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path

import msgspec

from insider_core import Scheduler

log = logging.getLogger(__name__)
ORDER_FILE_VARIABLE = "INSIDER_SCHEDULER_ORDER_FILE"
RELAY_SIGNAL = signal.SIGUSR1


class SchedulerOrder(msgspec.Struct, frozen=True, kw_only=True):
    running: bool
    interval_seconds: float | None = None
    batch_size: int | None = None
    failure_rate: float | None = None


def start_schedulers(scheduler: Scheduler, order: SchedulerOrder | None = None) -> bool:
    """Start this process's scheduler (with the overrides of `order`) and every worker's;
    True when this one was not running."""
    order = order or SchedulerOrder(running=True)
    started = scheduler.start(
        interval_seconds=order.interval_seconds,
        batch_size=order.batch_size,
        failure_rate=order.failure_rate,
    )
    relay(order)
    return started


async def stop_schedulers(scheduler: Scheduler) -> bool:
    """Stop every worker's scheduler, and this process's once its batches in flight are
    recorded; True when this one was running."""
    relay(SchedulerOrder(running=False))
    return await scheduler.stop()


def relay(order: SchedulerOrder) -> None:
    """Pass `order` on to every worker of this service (none when this process serves alone)."""
    path = os.environ.get(ORDER_FILE_VARIABLE)
    if not path:
        return
    written = Path(f"{path}.{os.getpid()}")
    written.write_bytes(msgspec.json.encode(order))
    written.replace(path)  # atomic: a worker never reads half an order
    os.kill(os.getppid(), RELAY_SIGNAL)


class OrderFollower:
    """In each worker: at every relay signal, do what the order file says."""

    def __init__(self, scheduler: Scheduler, path: Path) -> None:
        self.scheduler = scheduler
        self.path = path
        self._stopping: set[asyncio.Task[bool]] = set()

    @classmethod
    def install(cls, scheduler: Scheduler) -> OrderFollower | None:
        """Follow the orders of this service's workers, if this process is one of several,
        starting with the last one given, if any: a worker still starting when it was given
        let its signal pass."""
        path = os.environ.get(ORDER_FILE_VARIABLE)
        if not path:
            return None
        follower = cls(scheduler, Path(path))
        asyncio.get_running_loop().add_signal_handler(RELAY_SIGNAL, follower.follow)
        if follower.path.exists():
            follower.follow()
        return follower

    def uninstall(self) -> None:
        """Orders that come later pass unheeded (the default would end the process)."""
        asyncio.get_running_loop().remove_signal_handler(RELAY_SIGNAL)
        signal.signal(RELAY_SIGNAL, signal.SIG_IGN)

    def follow(self) -> None:
        try:
            order = msgspec.json.decode(self.path.read_bytes(), type=SchedulerOrder)
        except (OSError, msgspec.DecodeError) as error:
            log.error("scheduler order unreadable, ignored: %s", error)
            return
        log.info("scheduler order followed", extra={"running": order.running, "pid": os.getpid()})
        if not order.running:
            stopping = asyncio.create_task(self.scheduler.stop())
            self._stopping.add(stopping)
            stopping.add_done_callback(self._stopping.discard)
        elif self.scheduler.cannot_start is None and not self.scheduler.running:
            self.scheduler.start(
                interval_seconds=order.interval_seconds,
                batch_size=order.batch_size,
                failure_rate=order.failure_rate,
            )
