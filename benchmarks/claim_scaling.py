"""Claim-and-record cost per batch of 500 with 10,000 vs 1,000,000 rows already sent: the
claim reads the due index only, so the sent rows should not matter. Two databases, measured
alternately, through MySqlMessageRepository itself."""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.mysql import MySqlMessageRepository
from adapters.mysql import queries as sql
from benchmarks import mariadb
from benchmarks.mariadb import BenchDatabase
from benchmarks.report import Result, Target, now
from insider_core import DeliveryAttempt, DeliveryResult, PageRequest

NAME = "claim_scaling"
TITLE = "Claim-and-record scaling: batches of 500 with 10,000 vs 1,000,000 rows sent"
BATCH = 500
MAX_ATTEMPTS = 3
REPETITIONS = 25
WARMUP = 3
SIZES = {"small": 10_000, "large": 1_000_000}
TARGET = Target("<=", 1.3)


async def run(workdir: Path) -> Result:
    result = Result(name=NAME, title=TITLE, started_at=now())
    dbs = {label: BenchDatabase.named(f"insider_bench_claims_{label}") for label in SIZES}
    pending = (REPETITIONS + WARMUP) * BATCH
    for label, db in dbs.items():
        started = time.perf_counter()
        await mariadb.recreate(db)
        await mariadb.insert_sent(db, SIZES[label])
        await mariadb.insert_pending(db, pending, first=SIZES[label] + 1)
        print(
            f"  {label}: {SIZES[label]:,} sent + {pending:,} pending rows in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
    waited = await mariadb.settle(dbs["large"])
    print(f"  waited {waited:.0f} s for InnoDB to flush the bulk load", flush=True)
    repositories = {label: await _open(db) for label, db in dbs.items()}
    timings: dict[str, list[tuple[float, float]]] = {label: [] for label in SIZES}
    try:
        for repetition in range(REPETITIONS + WARMUP):
            for label, repository in repositories.items():
                timing = await claim_and_record(repository)
                if repetition >= WARMUP:
                    timings[label].append(timing)
        plan = await _explain_claim(dbs["large"])
        listing = {label: await time_list_page(repo) for label, repo in repositories.items()}
    finally:
        for repository in repositories.values():
            await repository.close()
        for db in dbs.values():
            await mariadb.drop(db)
    medians = {label: _medians(values) for label, values in timings.items()}
    small, large = medians["small"]["total"], medians["large"]["total"]
    result.check("claim+record at 1,000,000 / at 10,000 sent rows", large / small, TARGET)
    for label, count in SIZES.items():
        for part in ("claim", "record", "total"):
            result.figure(
                f"{part} of {BATCH} with {count:,} sent (median)", medians[label][part] * 1000, "ms"
            )
    result.figure(
        "list page of 100 (API listing) at 1,000,000 / at 10,000 sent rows",
        listing["large"] / listing["small"],
        "x",
    )
    for label, count in SIZES.items():
        result.figure(f"list page of 100 with {count:,} sent (median)", listing[label] * 1000, "ms")
    result.details = {
        "batch": BATCH,
        "repetitions": REPETITIONS,
        "sentRows": SIZES,
        "secondsPerBatch": timings,
        "claimPlanAt1M": plan,
    }
    return result


async def _open(db: BenchDatabase) -> MySqlMessageRepository:
    return await MySqlMessageRepository.open(
        host=db.host, port=db.port, user=db.user, password=db.password, database=db.name
    )


async def claim_and_record(repository: MySqlMessageRepository) -> tuple[float, float]:
    """Seconds to claim a batch and to record it sent (building the results is not timed)."""
    claimed_at = datetime.now(UTC)
    token = uuid.uuid4().hex
    started = time.perf_counter()
    claimed = await repository.claim_due(
        BATCH, claimed_at, claimed_at + timedelta(seconds=60), token, max_attempts=MAX_ATTEMPTS
    )
    claim_seconds = time.perf_counter() - started
    finished_at = datetime.now(UTC)
    results = [
        DeliveryResult(
            message=message.mark_sent(f"bench-{message.id}", finished_at),
            claim_token=token,
            attempt=DeliveryAttempt(
                message_id=message.id,
                attempt_number=message.attempts,
                started_at=claimed_at,
                duration_ms=3,
                http_status=202,
                error_kind=None,
                detail=None,
            ),
        )
        for message in claimed
    ]
    started = time.perf_counter()
    recorded = await repository.save_results(results)
    record_seconds = time.perf_counter() - started
    if len(claimed) != BATCH or recorded != BATCH:
        raise RuntimeError(f"claimed {len(claimed)} and recorded {recorded}, expected {BATCH}")
    return claim_seconds, record_seconds


async def median_batch_seconds(db: BenchDatabase, batches: int = 12, warmup: int = 2) -> float:
    """Median seconds to claim a batch and record it sent, nothing sent in between, on a
    fresh table of pending messages: the database's share of every batch."""
    await mariadb.recreate(db)
    await mariadb.insert_pending(db, (batches + warmup) * BATCH)
    repository = await _open(db)
    try:
        timings = [sum(await claim_and_record(repository)) for _ in range(batches + warmup)]
    finally:
        await repository.close()
    return statistics.median(timings[warmup:])


async def time_list_page(repository: MySqlMessageRepository, repetitions: int = 5) -> float:
    """Median seconds of the API's default listing (newest first, with the total count)."""
    timings = []
    for _ in range(repetitions):
        started = time.perf_counter()
        await repository.list_page(PageRequest(page=1, page_size=100))
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _medians(timings: list[tuple[float, float]]) -> dict[str, float]:
    return {
        "claim": statistics.median(claim for claim, _ in timings),
        "record": statistics.median(record for _, record in timings),
        "total": statistics.median(claim + record for claim, record in timings),
    }


async def _explain_claim(db: BenchDatabase) -> list[dict[str, Any]]:
    moment = datetime.now(UTC).replace(tzinfo=None)
    async with mariadb.connected(db) as cursor:
        await cursor.execute("EXPLAIN " + sql.CLAIM_DUE, (moment, moment, BATCH))
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in await cursor.fetchall()]
