"""What the dashboard's reads cost on MariaDB, over a store of a million sent messages (each
with its attempt, an hour ago): the chart's attempts per minute over the last 15 minutes, and
a search by phone number. Each is measured with the indexes of migration 0009 and again
without them (the index on started_at alone in their place), on the same rows.

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
WITHOUT = (
    "ALTER TABLE messages DROP INDEX ix_messages_phone_number",
    "ALTER TABLE delivery_attempts DROP INDEX ix_delivery_attempts_started_status, "
    "ADD INDEX ix_delivery_attempts_started (started_at)",
)
WITH = (
    "ALTER TABLE messages ADD INDEX ix_messages_phone_number (phone_number)",
    "ALTER TABLE delivery_attempts DROP INDEX ix_delivery_attempts_started, "
    "ADD INDEX ix_delivery_attempts_started_status (started_at, http_status)",
)


async def median_ms(read: Callable[[], Awaitable[object]]) -> float:
    await read()  # warm the buffer pool
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        await read()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


async def run(db: BenchDatabase, statements: tuple[str, ...]) -> None:
    async with connected(db) as cursor:
        for statement in statements:
            await cursor.execute(statement)
            await cursor.execute("ANALYZE TABLE messages, delivery_attempts")


async def attempts_in_window(db: BenchDatabase, first: int, count: int) -> None:
    """`count` more attempts spread over the last 15 minutes, one in ten a 503."""
    async with connected(db) as cursor:
        await cursor.execute(
            "INSERT INTO delivery_attempts (message_id, attempt_number, started_at, duration_ms, "
            f"http_status) SELECT seq, 2, UTC_TIMESTAMP(6) - INTERVAL (seq % {WINDOW_SECONDS}) "
            f"SECOND, 3, IF(seq % 10 = 0, 503, 202) FROM seq_{first}_to_{first + count - 1}"
        )


async def both_ways(db: BenchDatabase, read: Callable[[], Awaitable[object]]) -> str:
    indexed = await median_ms(read)
    await run(db, WITHOUT)
    try:
        plain = await median_ms(read)
    finally:
        await run(db, WITH)
    return f"{indexed:8.1f} ms with the indexes, {plain:8.1f} ms without"


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
            searching = await both_ways(db, lambda: repository.list_page(search))
            print(f"search by phone number: {searching}")
            added = 0
            for in_window in (10_000, 100_000, 1_000_000):
                await attempts_in_window(db, added + 1, in_window - added)
                added = in_window
                chart = await both_ways(db, lambda: repository.attempts_per_minute(since))
                rate = in_window / WINDOW_SECONDS
                print(f"chart, {in_window:>9,} attempts in the window (~{rate:,.0f}/s): {chart}")
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
