"""Memory of the service against the number of messages it delivers: the peak RSS (VmHWM)
after 10,000 and after 50,000 messages. A flat peak means nothing is kept per message."""

from __future__ import annotations

from pathlib import Path

from benchmarks import delivery
from benchmarks.dispatch import COUNT as DISPATCH_COUNT
from benchmarks.dispatch import DATABASE, RSS_LIMIT
from benchmarks.mariadb import BenchDatabase
from benchmarks.receiver_nginx import running_receiver
from benchmarks.report import Result, Target, now

NAME = "memory"
TITLE = "Memory: peak RSS of the service delivering 10,000 vs 50,000 messages"
SMALL = 10_000
GROWTH_LIMIT = Target("<=", 1.1)


async def run(workdir: Path) -> Result:
    result = Result(name=NAME, title=TITLE, started_at=now())
    db = BenchDatabase.named(DATABASE)
    async with running_receiver(workdir) as receiver:
        small = await delivery.deliver(SMALL, receiver, workdir, db)
        large = delivery.RUNS.get(DISPATCH_COUNT)
        if large is None:
            large = await delivery.deliver(DISPATCH_COUNT, receiver, workdir, db)
            delivery.RUNS[DISPATCH_COUNT] = large
        else:
            result.note("the 50,000-message run is the dispatch benchmark's, from this invocation")
    result.check(
        f"peak RSS {DISPATCH_COUNT:,} / {SMALL:,} messages",
        large.peak_rss_mib / small.peak_rss_mib,
        GROWTH_LIMIT,
    )
    result.check(f"peak RSS delivering {DISPATCH_COUNT:,}", large.peak_rss_mib, RSS_LIMIT, "MiB")
    result.figure(f"peak RSS delivering {SMALL:,}", small.peak_rss_mib, "MiB")
    result.figure(f"RSS with 20% of {DISPATCH_COUNT:,} delivered", large.rss_at(0.2), "MiB")
    result.figure(f"RSS with all {DISPATCH_COUNT:,} delivered", large.rss_at(1.0), "MiB")
    result.details = {
        "sentCache": large.cache,
        "peakRssMib": {str(SMALL): small.peak_rss_mib, str(DISPATCH_COUNT): large.peak_rss_mib},
        "samples": {str(SMALL): small.samples, str(DISPATCH_COUNT): large.samples},
    }
    return result
