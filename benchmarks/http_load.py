"""Closed-loop HTTP load: N clients, each sending its next request as soon as the previous one
is answered, for a fixed time; every latency is kept, so p50 and p99 are exact. It runs in a
process of its own (as a user's client would), so its CPU does not slow the service's loop.

Run alone: `python -m benchmarks.http_load REQUEST_JSON CLIENTS SECONDS` prints one JSON line."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import aiohttp
import msgspec

from benchmarks.processes import Child

WARM_UP_SECONDS = 1.0


class Request(msgspec.Struct, frozen=True, kw_only=True):
    method: str
    url: str
    api_key: str
    body: str | None = None


class Latencies(msgspec.Struct, frozen=True, kw_only=True):
    requests: int
    seconds: float
    failures: int
    """Answers other than 2xx, and requests that got no answer."""
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of an ascending list."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


async def drive(request: Request, clients: int, seconds: float) -> Latencies:
    headers = {"x-ins-auth-key": request.api_key, "Content-Type": "application/json"}
    body = None if request.body is None else request.body.encode()
    timings: list[float] = []
    failures = 0
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def client(until: float, keep: bool) -> None:
            nonlocal failures
            while (started := time.perf_counter()) < until:
                try:
                    async with session.request(request.method, request.url, data=body) as answer:
                        await answer.read()
                        failed = answer.status >= 300
                except aiohttp.ClientError:
                    failed = True
                if keep:
                    timings.append(time.perf_counter() - started)
                    failures += failed

        warm = time.perf_counter() + WARM_UP_SECONDS
        await asyncio.gather(*(client(warm, False) for _ in range(clients)))
        began = time.perf_counter()
        await asyncio.gather(*(client(began + seconds, True) for _ in range(clients)))
        elapsed = time.perf_counter() - began
    ordered = sorted(timings)
    return Latencies(
        requests=len(ordered),
        seconds=elapsed,
        failures=failures,
        p50_ms=percentile(ordered, 0.50) * 1000,
        p99_ms=percentile(ordered, 0.99) * 1000,
    )


async def apply_load(request: Request, clients: int, seconds: float, log: Path) -> Latencies:
    argv = [
        sys.executable,
        "-m",
        "benchmarks.http_load",
        msgspec.json.encode(request).decode(),
        str(clients),
        str(seconds),
    ]
    child = await Child.start("load client", argv, log)
    if await child.process.wait() != 0:
        raise RuntimeError(f"the load client failed:\n{child.tail()}")
    return msgspec.json.decode(child.log.read_text().splitlines()[-1], type=Latencies)


def main() -> None:
    request = msgspec.json.decode(sys.argv[1], type=Request)
    latencies = asyncio.run(drive(request, int(sys.argv[2]), float(sys.argv[3])))
    print(msgspec.json.encode(latencies).decode())


if __name__ == "__main__":
    main()
