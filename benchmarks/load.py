"""Closed-loop HTTP load: N connections each sending its next request as soon as the previous
one is answered, for a fixed time. `wrk` (Debian's package) when it is available; otherwise an
aiohttp client in a second process (benchmarks/api_client.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import msgspec

from benchmarks.processes import Child, ensure_debian_tool

WRK_SCRIPT = """
wrk.method = "{method}"
wrk.headers["x-ins-auth-key"] = "{api_key}"
wrk.headers["Content-Type"] = "application/json"
{body_line}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {{"requests":%d,"seconds":%f,"non2xx":%d,"socketErrors":%d,' ..
    '"p50Ms":%f,"p99Ms":%f,"meanMs":%f}}\\n',
    summary.requests, summary.duration / 1e6, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.mean / 1000))
end
"""
MARKER = "BENCH_JSON "


class Load(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    requests: int
    seconds: float
    non2xx: int
    socket_errors: int
    p50_ms: float
    p99_ms: float
    mean_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class Request(msgspec.Struct, frozen=True, kw_only=True):
    method: str
    url: str
    api_key: str
    body: str | None = None


class Generator(msgspec.Struct, frozen=True):
    kind: str
    """"wrk" or "aiohttp"."""
    detail: str
    """wrk's path, or why wrk is not used."""


def load_generator() -> Generator:
    wrk, why = ensure_debian_tool("wrk", "wrk")
    return Generator("wrk", wrk) if wrk else Generator("aiohttp", why)


async def apply_load(
    generator: Generator, request: Request, connections: int, seconds: float, workdir: Path
) -> Load:
    log = workdir / "load.log"
    if generator.kind == "aiohttp":
        argv = [
            sys.executable,
            "-m",
            "benchmarks.api_client",
            msgspec.json.encode(request).decode(),
            str(connections),
            str(seconds),
        ]
    else:
        script = workdir / "request.lua"
        body = "" if request.body is None else f"wrk.body = {json.dumps(request.body)}"
        script.write_text(
            WRK_SCRIPT.format(method=request.method, api_key=request.api_key, body_line=body)
        )
        argv = [
            generator.detail,
            "-t1",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--latency",
            "--timeout",
            "10s",
            "-s",
            str(script),
            request.url,
        ]
    child = await Child.start(f"{generator.kind} load", argv, log)
    if await child.process.wait() != 0:
        raise RuntimeError(f"{generator.kind} failed:\n{child.tail()}")
    for line in reversed(child.log.read_text().splitlines()):
        if line.startswith(MARKER):
            return msgspec.json.decode(line.removeprefix(MARKER), type=Load)
    raise RuntimeError(f"{generator.kind} printed no result:\n{child.tail()}")
