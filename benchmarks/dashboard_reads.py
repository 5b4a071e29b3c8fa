"""What the dashboard's reads cost on MariaDB: the chart's attempts per minute over the last
15 minutes, and a search by phone number, over a store of a million sent messages.

    python -m benchmarks.dashboard_reads [--messages 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from adapters.mysql import MySqlMessageRepository
from benchmarks.mariadb import BenchDatabase, connected, drop, insert_sent, phone_for, recreate
from insider_core import PageRequest

NAME = "insider_bench_dashboard"
RUNS = 7
WINDOW_SECONDS = 15 * 60


async def median_ms(read: Callable[[], Awaitable[object]]) -> float:
    await read()  # warm the buffer pool
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        await read()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


async def attempts_in_window(db: BenchDatabase, count: int) -> None:
    """`count` more attempts spread over the last 15 minutes, one in ten a 503."""
    async with connected(db) as cursor:
        await cursor.execute(
            "INSERT INTO delivery_attempts (message_id, attempt_number, started_at, duration_ms, "
            f"http_status) SELECT seq, 2, UTC_TIMESTAMP(6) - INTERVAL (seq % {WINDOW_SECONDS}) "
            f"SECOND, 3, IF(seq % 10 = 0, 503, 202) FROM seq_1_to_{count}"
        )


async def measure(messages: int) -> None:
    db = BenchDatabase.named(NAME)
    await recreate(db)
    try:
        await insert_sent(db, messages)
        repository = await MySqlMessageRepository.open(
            host=db.host, port=db.port, user=db.user, password=db.password, database=db.name
        )
        try:
            since = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=14)
            search = PageRequest(page=1, page_size=20, phone_number=phone_for(messages // 2))
            print(f"{messages:,} sent messages, each with its attempt (an hour ago)")
            searching = await median_ms(lambda: repository.list_page(search))
            print(f"search by phone number: {searching:.1f} ms")
            added = 0
            for in_window in (0, 10_000, 100_000, 1_000_000):
                await attempts_in_window(db, in_window - added) if in_window > added else None
                added = in_window
                chart = await median_ms(lambda: repository.attempts_per_minute(since))
                rate = in_window / WINDOW_SECONDS
                print(
                    f"chart, {in_window:>9,} attempts in the window (~{rate:,.0f}/s): "
                    f"{chart:.1f} ms"
                )
        finally:
            await repository.close()
    finally:
        await drop(db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1_000_000)
    asyncio.run(measure(parser.parse_args().messages))


if __name__ == "__main__":
    main()
