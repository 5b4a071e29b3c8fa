"""One delivery run: N pending messages in MariaDB, one `insider serve` process draining them
into the receiver, watched until every message is sent. Throughput is taken from the stored
sentAt of the first and the last message; memory and CPU are sampled from /proc meanwhile."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import msgspec

from benchmarks import mariadb, procfs
from benchmarks.mariadb import BenchDatabase
from benchmarks.receiver_nginx import Receiver
from benchmarks.service import BENCH_REDIS_URL, redis_reachable, running_service, serve_command

BATCH_SIZE = 500
CONCURRENCY = 64
INTERVAL_SECONDS = 0.01
POLL_SECONDS = 0.5
STALL_SECONDS = 60.0
UNFINISHED = "SELECT COUNT(*) FROM messages WHERE status IN ('pending', 'sending')"
PHASE_SAMPLE = re.compile(
    r'^dispatch_batch_phase_seconds_(sum|count)\{phase="(\w+)"\} (\S+)$', re.MULTILINE
)


class RssSample(msgspec.Struct, frozen=True):
    seconds: float
    delivered: int
    rss_mib: float


class DeliveryRun(msgspec.Struct, frozen=True, kw_only=True):
    count: int
    statuses: dict[str, int]
    seconds: float
    """From the first stored sentAt to the last."""
    wall_seconds: float
    """From the service answering /health to the last message seen sent."""
    peak_rss_mib: float
    samples: list[RssSample]
    cpu_seconds: dict[str, float]
    cache: str
    phase_seconds: dict[str, float] = msgspec.field(default_factory=dict)
    """Mean seconds a batch spent claiming, sending and recording, from the service's
    /metrics."""

    @property
    def rate(self) -> float:
        return self.statuses.get("sent", 0) / self.seconds if self.seconds else 0.0

    def rss_at(self, share: float) -> float:
        """RSS at the first sample with at least `share` of the messages delivered."""
        for sample in self.samples:
            if sample.delivered >= share * self.count:
                return sample.rss_mib
        return self.samples[-1].rss_mib if self.samples else 0.0


RUNS: dict[int, DeliveryRun] = {}
"""The runs of this invocation by message count, so one benchmark can reuse another's."""


def service_settings(db: BenchDatabase, receiver: Receiver, cache: str) -> dict[str, str]:
    settings = {
        "DATABASE_URL": db.url,
        "WEBHOOK_URL": receiver.url,
        "MESSAGE_BATCH_SIZE": str(BATCH_SIZE),
        "WEBHOOK_CONCURRENCY": str(CONCURRENCY),
        "MESSAGE_SEND_INTERVAL_SECONDS": str(INTERVAL_SECONDS),
        "AUTO_START_SCHEDULER": "true",
    }
    if cache == "redis":
        settings["REDIS_URL"] = BENCH_REDIS_URL
    return settings


async def flush_redis(url: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


async def deliver(
    count: int,
    receiver: Receiver,
    workdir: Path,
    db: BenchDatabase,
    while_delivering: Callable[[int], Awaitable[Callable[[], Awaitable[None]]]] | None = None,
    settings: dict[str, str] | None = None,
    workers: int = 1,
) -> DeliveryRun:
    """`while_delivering(pid)` starts something beside the service (a profiler) and returns
    the coroutine function that stops it; `settings` add to (or change) the service's. With
    `workers` > 1, memory is the supervisor's only and CPU all the service's processes'."""
    await mariadb.recreate(db)
    await mariadb.insert_pending(db, count)
    cache = "redis" if redis_reachable() else "memory"
    if cache == "redis":
        await flush_redis(BENCH_REDIS_URL)
    environment = service_settings(db, receiver, cache) | (settings or {})
    argv = [*serve_command(), "--workers", str(workers)]
    log = workdir / f"service-{count}-{workers}.log"
    async with running_service(environment, log, argv) as (child, base_url):
        stop_extra = await while_delivering(child.pid) if while_delivering else None
        started = time.monotonic()
        cpu_before = _cpu(child.pid, receiver.pid)
        samples = await _watch(db, child.pid, count, started)
        wall = time.monotonic() - started
        cpu_after = _cpu(child.pid, receiver.pid)
        peak = procfs.peak_rss_mib(child.pid)
        phases = await batch_phases(base_url)
        if stop_extra is not None:
            await stop_extra()
    async with mariadb.connected(db) as cursor:
        statuses = await mariadb.status_counts(cursor)
        first, last = await mariadb.sent_span(cursor)
    seconds = (last - first).total_seconds() if first and last else wall
    return DeliveryRun(
        count=count,
        statuses=statuses,
        seconds=seconds,
        wall_seconds=wall,
        peak_rss_mib=peak,
        samples=samples,
        cpu_seconds={k: cpu_after[k] - cpu_before[k] for k in cpu_after},
        cache=cache,
        phase_seconds=phases,
    )


async def batch_phases(base_url: str) -> dict[str, float]:
    """Mean seconds per batch in each phase (claim, send, record), from /metrics."""
    async with aiohttp.ClientSession() as session, session.get(f"{base_url}/metrics") as answer:
        text = await answer.text()
    totals = {(kind, phase): float(value) for kind, phase, value in PHASE_SAMPLE.findall(text)}
    return {
        phase: totals[("sum", phase)] / count
        for (kind, phase), count in totals.items()
        if kind == "count" and count
    }


def _cpu(service_pid: int, receiver_pid: int) -> dict[str, float]:
    return {
        "service": procfs.cpu_seconds_with_children(service_pid),
        "receiver": procfs.cpu_seconds_with_children(receiver_pid),
        "mariadb": sum(procfs.cpu_seconds(pid) for pid in procfs.pids_named("mariadbd")),
        "redis": sum(procfs.cpu_seconds(pid) for pid in procfs.pids_named("redis-server")),
    }


async def _watch(db: BenchDatabase, pid: int, count: int, started: float) -> list[RssSample]:
    samples: list[RssSample] = []
    progress_at, last_unfinished = started, count
    async with mariadb.connected(db) as cursor:
        while True:
            await cursor.execute(UNFINISHED)
            (unfinished,) = await cursor.fetchone()
            now = time.monotonic()
            samples.append(RssSample(now - started, count - unfinished, procfs.rss_mib(pid)))
            if unfinished == 0:
                return samples
            if unfinished != last_unfinished:
                progress_at, last_unfinished = now, unfinished
            elif now - progress_at > STALL_SECONDS:
                raise RuntimeError(f"no progress for {STALL_SECONDS:g} s, {unfinished} unsent")
            await asyncio.sleep(POLL_SECONDS)
