"""Dispatch throughput against the raw limit, side by side in one run: the raw client before
and after the service, both against the same receiver, and the service's memory meanwhile.

The service runs twice: as configured by default (DISPATCH_PIPELINE=2: the next batch is
claimed while the previous one sends or is recorded) and with DISPATCH_PIPELINE=1, where
batches never overlap and each batch's database time (claim, then record) adds to its
sending time. The run also times the database's share of a batch alone and reports the
ceiling that leaves to non-overlapping batches."""

from __future__ import annotations

import statistics
from pathlib import Path

from benchmarks import claim_scaling, delivery
from benchmarks.mariadb import BenchDatabase
from benchmarks.raw_limit import RawLimit, measure_raw_limit
from benchmarks.receiver_nginx import running_receiver
from benchmarks.report import Result, Target, now

NAME = "dispatch"
TITLE = "Dispatch throughput: 50,000 messages, one service process vs the raw limit"
COUNT = 50_000
DATABASE = "insider_bench"
THROUGHPUT_TARGET = Target(">=", 0.65)
RSS_LIMIT = Target("<=", 200)
GROWTH_LIMIT = Target("<=", 1.1)
STEADY = 0.10


async def run(workdir: Path) -> Result:
    result = Result(name=NAME, title=TITLE, started_at=now())
    db = BenchDatabase.named(DATABASE)
    async with running_receiver(workdir) as receiver:
        if receiver.kind != "nginx":
            result.note(f"receiver: {receiver.kind}")
        print(f"  receiver {receiver.kind} {receiver.version} at {receiver.url}", flush=True)
        raw_log = workdir / "raw-limit.log"
        before = await measure_raw_limit(receiver.url, COUNT, delivery.CONCURRENCY, raw_log)
        print(f"  raw limit ({before.loop}): {before.rate:,.0f} msg/s", flush=True)
        service = await delivery.deliver(COUNT, receiver, workdir, db)
        print(f"  service: {service.rate:,.0f} msg/s", flush=True)
        serial = await delivery.deliver(
            COUNT, receiver, workdir, db, settings={"DISPATCH_PIPELINE": "1"}
        )
        print(f"  service, batches never overlapping: {serial.rate:,.0f} msg/s", flush=True)
        after = await measure_raw_limit(receiver.url, COUNT, delivery.CONCURRENCY, raw_log)
        plain = None
        if before.loop != "asyncio":
            plain = await measure_raw_limit(
                receiver.url, COUNT, delivery.CONCURRENCY, raw_log, loop="asyncio"
            )
    batch_seconds = await claim_scaling.median_batch_seconds(db)
    delivery.RUNS[COUNT] = service
    if service.cache != "redis":
        result.note("Redis was not reachable: the service ran with the in-memory sent cache")
    _check_complete(result, service, [raw for raw in (before, after, plain) if raw])
    _check_steady(result, before, after)
    raw = statistics.fmean([before.rate, after.rate])
    result.check("dispatch / raw limit (msg/s)", service.rate / raw, THROUGHPUT_TARGET)
    result.figure("dispatch with DISPATCH_PIPELINE=1 / raw limit", serial.rate / raw, "x")
    result.figure("pipelined / non-overlapping batches", service.rate / serial.rate, "x")
    result.check("peak RSS of the service (VmHWM)", service.peak_rss_mib, RSS_LIMIT, "MiB")
    growth = service.rss_at(1.0) / max(service.rss_at(0.2), 1e-9)
    result.check("RSS at 100% / at 20% delivered", growth, GROWTH_LIMIT)
    _report_rss(result, service)
    result.figure("service dispatch rate", service.rate, "msg/s")
    result.figure(f"raw limit, aiohttp on {before.loop} (mean of before/after)", raw, "msg/s")
    ceiling = 1 / (1 / raw + batch_seconds / delivery.BATCH_SIZE)
    result.figure(
        f"database time per batch of {delivery.BATCH_SIZE} (claim + record alone, median)",
        batch_seconds * 1000,
        "ms",
    )
    result.figure(
        "ceiling: raw limit plus the database time per batch / raw limit", ceiling / raw, "x"
    )
    result.figure("DISPATCH_PIPELINE=1 dispatch / that ceiling", serial.rate / ceiling, "x")
    if plain is not None:
        result.figure("raw limit, aiohttp on asyncio's own loop", plain.rate, "msg/s")
    _cpu_figures(result, service)
    sent = max(service.statuses.get("sent", 0), 1)
    result.figure("service CPU per message", service.cpu_seconds["service"] / sent * 1e6, "us")
    raw_cpu = statistics.fmean([before.cpu_seconds, after.cpu_seconds]) / COUNT * 1e6
    result.figure("raw client CPU per message", raw_cpu, "us")
    _report_phases(result, service.phase_seconds)
    result.details = {
        "count": COUNT,
        "batchSize": delivery.BATCH_SIZE,
        "concurrency": delivery.CONCURRENCY,
        "intervalSeconds": delivery.INTERVAL_SECONDS,
        "receiver": {"kind": receiver.kind, "version": receiver.version},
        "sentCache": service.cache,
        "service": _run_details(service),
        "serviceWithoutPipeline": _run_details(serial),
        "rawLimit": {"before": before, "after": after, "asyncioLoop": plain},
        "databaseSecondsPerBatch": batch_seconds,
    }
    return result


def _report_rss(result: Result, run: delivery.DeliveryRun) -> None:
    """The service's resident memory (VmRSS) when the run starts and when its last message is
    sent, with the sent cache it ran with: flat when what it keeps is bounded."""
    if not run.samples:
        return
    start, end = run.samples[0].rss_mib, run.samples[-1].rss_mib
    result.figure(f"RSS of the service at the start ({run.cache} sent cache)", start, "MiB")
    result.figure(f"RSS of the service at the end ({run.cache} sent cache)", end, "MiB")


def _report_phases(result: Result, phases: dict[str, float]) -> None:
    """Where a batch's time went in the service (its /metrics): with two batches in flight,
    a lane's claim and record overlap the other lane's sending, so database time above the
    sending time leaves the webhook's connections idle."""
    if not {"claim", "send", "record"} <= phases.keys():
        result.note("the service's /metrics gave no batch phases")
        return
    for phase in ("claim", "send", "record"):
        result.figure(f"{phase} of a batch in the service (mean)", phases[phase] * 1000, "ms")
    result.figure(
        "claim + record of a batch / its sending, in the service",
        (phases["claim"] + phases["record"]) / phases["send"],
        "x",
    )


def _check_complete(result: Result, service: delivery.DeliveryRun, raws: list[RawLimit]) -> None:
    if service.statuses.get("sent", 0) != service.count:
        result.note(f"not every message was sent: {service.statuses}")
    for raw in raws:
        if raw.statuses.get("202", 0) != raw.count:
            result.note(f"raw limit got answers other than 202: {raw.statuses}")


def _check_steady(result: Result, before: RawLimit, after: RawLimit) -> None:
    """The raw limit taken before and after the service. When the two differ by more than
    STEADY, the machine's speed changed during the run, and this run's ratio alone says
    little: compare it with other runs."""
    drift = after.rate / before.rate if before.rate else 1.0
    result.figure("raw limit after the service / before it", drift, "x")
    if abs(drift - 1) > STEADY:
        result.note(
            f"the raw limit moved by {drift - 1:+.0%} during the run: the machine's speed "
            "changed, so this run's ratio alone says little"
        )


def _cpu_figures(result: Result, run: delivery.DeliveryRun) -> None:
    """CPU used per wall-clock second of delivery: 1.0 is one core kept busy."""
    for process, seconds in run.cpu_seconds.items():
        result.figure(f"CPU of {process} while delivering", seconds / run.wall_seconds, "cores")


def _run_details(run: delivery.DeliveryRun) -> dict[str, object]:
    return {
        "statuses": run.statuses,
        "firstToLastSentSeconds": run.seconds,
        "wallSeconds": run.wall_seconds,
        "peakRssMib": run.peak_rss_mib,
        "rssMibAt": {f"{share:.0%}": run.rss_at(share) for share in (0.2, 0.4, 0.6, 0.8, 1.0)},
        "cpuSeconds": run.cpu_seconds,
        "samples": run.samples,
    }
