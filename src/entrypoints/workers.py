"""`insider serve --workers N`: N forked worker processes accept on one listening socket, each
with its own app, pools and scheduler (claims, leases and fencing make them as safe as N
services); the first process only supervises them.

- A stop signal to the supervisor is passed on to every worker, each of which stops
  gracefully (the batch in flight is recorded); the supervisor exits 0 when all did.
- A worker that exits on its own (it could not start, or it crashed) stops the others: the
  service fails as a whole, with that worker's exit code, for its supervisor to restart.
- Metrics: prometheus-client's multiprocess mode, in a directory of this run only, so /metrics
  (answered by any worker) adds up every worker's counters.
- The scheduler: each worker is an instance of the service like any other, following the
  operator's decision kept in the store (insider_core/service_control.py); nothing passes
  between the workers but the store."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from entrypoints.serving import STOP_SIGNALS

log = logging.getLogger(__name__)
METRICS_DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def available_cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def serve_in_workers(count: int, serve_one: Callable[[], int]) -> int:
    """Fork `count` workers running `serve_one` (which returns an exit code) and supervise them
    until all have exited; returns the service's exit code."""
    with metrics_directory():
        with blocked(STOP_SIGNALS):
            workers = [fork_worker(serve_one) for _ in range(count)]
            supervisor = Supervisor(workers)
            for stop_signal in STOP_SIGNALS:
                signal.signal(stop_signal, supervisor.on_stop_signal)
        log.info("serving with %d workers", count, extra={"pids": workers})
        return supervisor.wait_for_all()


def fork_worker(serve_one: Callable[[], int]) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        code = serve_one()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:
        log.exception("worker %d failed", os.getpid())
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


class Supervisor:
    def __init__(self, workers: list[int]) -> None:
        self.running = set(workers)
        self.stopping = False
        self.exit_code = 0

    def on_stop_signal(self, number: int, _frame: object) -> None:
        log.info("stopping %d workers (%s)", len(self.running), signal.Signals(number).name)
        self.stop_all()

    def stop_all(self) -> None:
        self.stopping = True
        for pid in self.running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def wait_for_all(self) -> int:
        while self.running:
            pid, status = os.wait()
            if pid not in self.running:
                continue
            self.running.discard(pid)
            worker_exited(pid)
            code = os.waitstatus_to_exitcode(status)
            if code and not self.exit_code:
                self.exit_code = code if code > 0 else 128 - code
            if not self.stopping:
                log.error("worker %d exited with %d; stopping the others", pid, code)
                self.exit_code = self.exit_code or 1
                self.stop_all()
        return self.exit_code


@contextlib.contextmanager
def blocked(signals: tuple[signal.Signals, ...]) -> Iterator[None]:
    """Signals wait while workers are forked, so none arrives before its handler is set."""
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, signals)


@contextlib.contextmanager
def metrics_directory() -> Iterator[Path]:
    """PROMETHEUS_MULTIPROC_DIR for the workers: the operator's (emptied of an earlier run's
    files), else a fresh one removed at the end. Set before any worker imports
    prometheus_client, which reads it at import."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before the workers' metrics were set")
    given = os.environ.get(METRICS_DIRECTORY_VARIABLE)
    if given:
        directory = Path(given)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
        yield directory
        return
    directory = Path(tempfile.mkdtemp(prefix="insider-metrics-"))
    os.environ[METRICS_DIRECTORY_VARIABLE] = str(directory)
    try:
        yield directory
    finally:
        del os.environ[METRICS_DIRECTORY_VARIABLE]
        shutil.rmtree(directory, ignore_errors=True)


def worker_exited(pid: int) -> None:
    """Drop the gauges of a worker that is gone (its counters stay in the totals)."""
    from prometheus_client import multiprocess

    # prometheus_client leaves this one function without annotations.
    multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
