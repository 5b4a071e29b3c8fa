"""Closed-loop HTTP load: N clients, each sending its next request as soon as the previous one
is answered, for a fixed time, after a second of warm-up; p50 and p99 of every latency.

wrk (Debian's package) drives it where it is installed or can be: written in C, it takes a
small part of the CPU a Python client of the same requests takes from a machine the service
shares, and no event loop of its own delays the latencies it records. Without wrk, an aiohttp
client in a process of its own stands in, every latency kept.

Run alone: `python -m benchmarks.http_load REQUEST_JSON CLIENTS SECONDS` prints one JSON line
(the aiohttp client)."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import aiohttp
import msgspec

from benchmarks.processes import Child, ensure_debian_tool

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


# wrk's report, as one JSON line: its latencies are microseconds.
WRK_SCRIPT = """
wrk.method = {method}
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-ins-auth-key"] = {api_key}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{{"requests":%d,"seconds":%.6f,"failures":%d,"p50_ms":%.3f,"p99_ms":%.3f}}\\n',
    summary.requests, summary.duration / 1e6,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def _lua_string(text: str | None) -> str:
    return "nil" if text is None else msgspec.json.encode(text).decode()


async def apply_load(request: Request, clients: int, seconds: float, log: Path) -> Latencies:
    """The load from wrk where it can run, else from the aiohttp client."""
    wrk, _ = ensure_debian_tool("wrk", "wrk")
    if wrk is None:
        return await _apply_python_load(request, clients, seconds, log)
    script = log.with_suffix(".lua")
    script.write_text(
        WRK_SCRIPT.format(
            method=_lua_string(request.method),
            body=_lua_string(request.body),
            api_key=_lua_string(request.api_key),
        )
    )
    for duration in (WARM_UP_SECONDS, seconds):
        whole_seconds = max(1, round(duration))  # wrk takes whole seconds
        argv = [wrk, "-t1", f"-c{clients}", f"-d{whole_seconds}s", "--timeout", "30s"]
        child = await Child.start("wrk", [*argv, "-s", str(script), request.url], log)
        if await child.process.wait() != 0:
            raise RuntimeError(f"wrk failed:\n{child.tail()}")
    return msgspec.json.decode(child.log.read_text().splitlines()[-1], type=Latencies)


async def _apply_python_load(
    request: Request, clients: int, seconds: float, log: Path
) -> Latencies:
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
