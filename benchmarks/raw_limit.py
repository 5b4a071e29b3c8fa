"""The raw limit: one Python process POSTing the dispatch benchmark's payloads to the same
receiver with aiohttp (one session, N concurrent requests), no database, bodies encoded before
the clock starts. What the service achieves is measured against this.

Run alone: `python -m benchmarks.raw_limit URL COUNT CONCURRENCY [best|asyncio]` prints one
JSON line."""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from collections import Counter
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import msgspec

from benchmarks.processes import Child
from benchmarks.stores import content_for, phone_for

T = TypeVar("T")


class RawLimit(msgspec.Struct, frozen=True, kw_only=True):
    count: int
    seconds: float
    cpu_seconds: float
    statuses: dict[str, int]
    loop: str

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


async def post_all(url: str, count: int, concurrency: int) -> tuple[float, float, Counter[int]]:
    """Wall-clock and CPU seconds to POST `count` messages, and the statuses answered."""
    bodies = [
        msgspec.json.encode({"to": phone_for(n), "content": content_for(n)})
        for n in range(1, count + 1)
    ]
    keys = [str(uuid.uuid4()) for _ in range(count)]
    statuses: Counter[int] = Counter()
    pending = iter(range(count))
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)

    async def worker(session: aiohttp.ClientSession) -> None:
        for index in pending:
            headers = {"Content-Type": "application/json", "Idempotency-Key": keys[index]}
            async with session.post(url, data=bodies[index], headers=headers) as response:
                await response.read()
                statuses[response.status] += 1

    async with aiohttp.ClientSession(connector=connector) as session:
        started, cpu_started = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return elapsed, cpu, statuses


def run_on(loop: str, main: Coroutine[Any, Any, T]) -> tuple[T, str]:
    """`loop` "best": uvloop when it is installed (the fastest client Python has), else
    asyncio's own loop, which "asyncio" always takes."""
    if loop == "best":
        try:
            import uvloop
        except ImportError:
            return asyncio.run(main), "asyncio"
        return uvloop.run(main), "uvloop"
    return asyncio.run(main), "asyncio"


async def measure_raw_limit(
    url: str, count: int, concurrency: int, log: Path, loop: str = "best"
) -> RawLimit:
    """Run the client in its own process, as the service runs in its own."""
    argv = [sys.executable, "-m", "benchmarks.raw_limit", url, str(count), str(concurrency), loop]
    child = await Child.start("raw-limit client", argv, log)
    if await child.process.wait() != 0:
        raise RuntimeError(f"raw-limit client failed:\n{child.tail()}")
    line = child.log.read_text().strip().splitlines()[-1]
    return msgspec.json.decode(line, type=RawLimit)


def main() -> None:
    url, count, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    wanted = sys.argv[4] if len(sys.argv) > 4 else "best"
    (seconds, cpu_seconds, statuses), loop = run_on(wanted, post_all(url, count, concurrency))
    print(
        json.dumps(
            {
                "count": count,
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "statuses": {str(k): v for k, v in statuses.items()},
                "loop": loop,
            }
        )
    )


if __name__ == "__main__":
    main()
