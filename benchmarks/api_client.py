"""The fallback load generator when wrk is missing: N aiohttp connections in one process,
each sending its next request when the previous one is answered, for a fixed time.

Run: `python -m benchmarks.api_client REQUEST_JSON CONNECTIONS SECONDS` prints the result
line that load.py reads (the same fields wrk's script prints)."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

import aiohttp
import msgspec

from benchmarks.load import MARKER, Load, Request


async def hammer(request: Request, connections: int, seconds: float) -> Load:
    latencies: list[float] = []
    non2xx = errors = 0
    headers = {"x-ins-auth-key": request.api_key, "Content-Type": "application/json"}
    body = None if request.body is None else request.body.encode()
    connector = aiohttp.TCPConnector(limit=connections)

    async def connection(session: aiohttp.ClientSession, deadline: float) -> None:
        nonlocal non2xx, errors
        while (started := time.perf_counter()) < deadline:
            try:
                async with session.request(
                    request.method, request.url, data=body, headers=headers
                ) as response:
                    await response.read()
                    non2xx += not 200 <= response.status < 400
            except aiohttp.ClientError:
                errors += 1
                continue
            latencies.append(time.perf_counter() - started)

    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(connection(session, deadline) for _ in range(connections)))
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return Load(
        requests=len(latencies),
        seconds=elapsed,
        non2xx=non2xx,
        socket_errors=errors,
        p50_ms=cuts[49] * 1000,
        p99_ms=cuts[98] * 1000,
        mean_ms=statistics.fmean(latencies) * 1000 if latencies else 0.0,
    )


def main() -> None:
    request = msgspec.json.decode(sys.argv[1], type=Request)
    load = asyncio.run(hammer(request, int(sys.argv[2]), float(sys.argv[3])))
    print(MARKER + msgspec.json.encode(load).decode())


if __name__ == "__main__":
    main()
