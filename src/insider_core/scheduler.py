"""The native asyncio loop that dispatches a batch every interval."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from datetime import datetime, timedelta

import msgspec

from insider_core.batch_report import BatchReport
from insider_core.breaker import ReceiverStatus
from insider_core.dispatch import Dispatcher
from insider_core.errors import StoreUnavailable
from insider_core.failure_injection import FailureInjection
from insider_core.ports import AlertNotifier, Clock
from insider_core.service_state import InstanceBeat, StartOverrides
from insider_core.values import Alert

log = logging.getLogger(__name__)

MAX_BATCH_SIZE = 1000
"""How many messages one batch may claim at most."""
READY_CHECK_SECONDS = 1.0
"""A lane waiting for the receiver looks again at least this often: the service's breaker,
which another instance may change, is followed within a second."""
MAX_PIPELINE = 64
"""How many batches may be in flight at once at most."""


class SchedulerConfig(msgspec.Struct, frozen=True, kw_only=True):
    interval_seconds: float = 120.0
    batch_size: int = 2
    failure_rate: float = 0.0
    alert_iteration_count: int = 0
    shutdown_timeout_seconds: float = 60.0
    pipeline: int = 3
    """At most this many batches in flight: the next is claimed while earlier ones send or
    are recorded. 1: batches never overlap."""

    def __post_init__(self) -> None:
        if self.interval_seconds <= 0:
            raise ValueError("interval_seconds must be greater than 0")
        if not 1 <= self.batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH_SIZE}")
        if not 0.0 <= self.failure_rate <= 1.0:
            raise ValueError("failure_rate must be between 0 and 1")
        if not 1 <= self.pipeline <= MAX_PIPELINE:
            raise ValueError(f"pipeline must be between 1 and {MAX_PIPELINE}")


class SchedulerStatus(msgspec.Struct, frozen=True, kw_only=True):
    running: bool
    last_run_at: datetime | None
    next_run_at: datetime | None
    interval_seconds: float
    batch_size: int
    failure_rate: float
    runs_count: int
    messages_sent: int
    messages_failed: int
    consecutive_all_fail_count: int
    last_alert_sent_at: datetime | None
    receiver: ReceiverStatus
    instances: tuple[InstanceBeat, ...] = ()
    """Of the whole service: one entry per live instance (see service_control.py)."""


class Scheduler:
    """Starts a batch at once on start, then one every interval, with at most `pipeline`
    batches in flight: a batch that outlasts the interval delays the next start only once the
    pipeline is full. Nothing is claimed while the receiver cannot take it (breaker open, a
    pause it asked for, no free send slot). Stop lets every batch in flight finish."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        clock: Clock,
        config: SchedulerConfig,
        notifier: AlertNotifier | None = None,
        cannot_start: str | None = None,
        failure_injection: FailureInjection | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.failure_injection = failure_injection
        """The sender wrapper that fails messages on purpose at the run's failure rate; without
        it, a failure rate above 0 cannot be honoured and a start asking for one is refused."""
        self.cannot_start = cannot_start
        """Why this scheduler must not be started (nothing it sends could arrive), if so."""
        self.clock = clock
        self.configured = config
        self.config = config
        self.overrides = StartOverrides()
        """The overrides of the run in progress, or of the last one."""
        self.notifier = notifier
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.last_run_at: datetime | None = None
        self.next_run_at: datetime | None = None
        self.runs_count = 0
        self.messages_sent = 0
        self.messages_failed = 0
        self.consecutive_all_fail_count = 0
        self.last_alert_sent_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(
        self,
        interval_seconds: float | None = None,
        batch_size: int | None = None,
        failure_rate: float | None = None,
    ) -> bool:
        """Start the loop with the configured settings, changed by the overrides given for
        this run only; False when it was already running."""
        if self.running:
            return False
        changes = {
            "interval_seconds": interval_seconds,
            "batch_size": batch_size,
            "failure_rate": failure_rate,
        }
        config = msgspec.structs.replace(
            self.configured, **{k: v for k, v in changes.items() if v is not None}
        )
        if config.failure_rate and self.failure_injection is None:
            raise ValueError("a failure rate needs the scheduler's FailureInjection sender")
        self.config = config
        self.overrides = StartOverrides(
            interval_seconds=interval_seconds, batch_size=batch_size, failure_rate=failure_rate
        )
        self._stopping = asyncio.Event()
        self.next_run_at = None
        self._task = asyncio.create_task(self._loop(), name="insider-scheduler")
        return True

    async def stop(self) -> bool:
        """Claim no new batch, let the ones in flight be recorded (bounded by the shutdown
        timeout), then return. False when it was not running."""
        task = self._task
        if task is None or task.done():
            return False
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), self.config.shutdown_timeout_seconds)
        except TimeoutError:
            log.error("batches still in flight after the shutdown timeout; cancelling them")
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.dispatcher.write_held_results()
        self.next_run_at = None
        return True

    async def run_once(self) -> BatchReport:
        """Dispatch one batch now and account for it."""
        started = self.clock.now()
        if self.failure_injection is not None:
            self.failure_injection.rate = self.config.failure_rate
        report = await self.dispatcher.dispatch_batch(self.config.batch_size)
        self.last_run_at = started
        self.runs_count += 1
        self.messages_sent += report.sent
        self.messages_failed += report.dead_lettered
        await self._track_failures(report)
        return report

    def receiver_status(self) -> ReceiverStatus:
        return self.dispatcher.receiver_status()

    def status(self) -> SchedulerStatus:
        return SchedulerStatus(
            running=self.running,
            last_run_at=self.last_run_at,
            next_run_at=self.next_run_at if self.running else None,
            interval_seconds=self.config.interval_seconds,
            batch_size=self.config.batch_size,
            failure_rate=self.config.failure_rate,
            runs_count=self.runs_count,
            messages_sent=self.messages_sent,
            messages_failed=self.messages_failed,
            consecutive_all_fail_count=self.consecutive_all_fail_count,
            last_alert_sent_at=self.last_alert_sent_at,
            receiver=self.receiver_status(),
        )

    async def _loop(self) -> None:
        """`pipeline` lanes, each running one batch at a time. A lane that has recorded its
        batch goes straight on to the next one, once the interval and any wait the receiver
        asks for are over: no batch waits for another task to notice that a lane is free."""
        await asyncio.gather(*(self._lane() for _ in range(self.config.pipeline)))

    async def _lane(self) -> None:
        while not self._stopping.is_set():
            ready_at = self.dispatcher.ready_at()
            if ready_at is not None:
                self.next_run_at = ready_at
                soon = self.clock.now() + timedelta(seconds=READY_CHECK_SECONDS)
                await self._wait_until(min(ready_at, soon))
                continue
            now = self.clock.now()
            if self.next_run_at is not None and self.next_run_at > now:
                await self._wait_until(self.next_run_at)
                continue
            self.next_run_at = now + timedelta(seconds=self.config.interval_seconds)
            await self._run_batch()

    async def _run_batch(self) -> BatchReport | None:
        try:
            return await self.run_once()
        except StoreUnavailable as error:
            log.warning("message store unavailable, trying again at the next tick: %s", error)
        except Exception:
            # Nothing may kill the loop: log it and try again at the next tick.
            log.exception("batch failed; the scheduler will try again at the next tick")
        return None

    async def _wait_until(self, moment: datetime) -> None:
        while not self._stopping.is_set():
            remaining = (moment - self.clock.now()).total_seconds()
            if remaining <= 0:
                return
            await self._until(self._stopping.wait(), self.clock.sleep(remaining))

    @staticmethod
    async def _until(stop: Awaitable[object], wanted: Awaitable[object]) -> bool:
        """Wait for `wanted` unless `stop` comes first; True when `wanted` came."""
        stopper = asyncio.ensure_future(stop)
        waiter = asyncio.ensure_future(wanted)
        try:
            await asyncio.wait({stopper, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if waiter.done() and not waiter.cancelled():
            return True
        waiter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiter
        return False

    async def _track_failures(self, report: BatchReport) -> None:
        if report.sent > 0:
            self.consecutive_all_fail_count = 0
            return
        if not report.all_failed:
            return
        self.consecutive_all_fail_count += 1
        every = self.config.alert_iteration_count
        if self.notifier is None or every <= 0 or self.consecutive_all_fail_count % every:
            return
        now = self.clock.now()
        alert = Alert(
            alert="consecutive_all_fail",
            run_number=self.runs_count,
            consecutive_failures=self.consecutive_all_fail_count,
            messages_in_batch=report.claimed,
            timestamp=now,
            message=(f"Every message failed in {self.consecutive_all_fail_count} consecutive runs"),
        )
        try:
            await self.notifier.notify(alert)
        except Exception:
            log.exception("alert could not be delivered")
            return
        self.last_alert_sent_at = now
