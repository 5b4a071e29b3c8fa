"""API throughput and latency under 32 concurrent connections: create a message and list a
page of 100, beside a bare route returning a constant in the same server process
(benchmarks/api_app.py). The bare route runs before and after the others; its mean is the
baseline."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from benchmarks import mariadb, procfs
from benchmarks.api_app import BARE_PATH
from benchmarks.load import Generator, Load, Request, apply_load, load_generator
from benchmarks.mariadb import BenchDatabase
from benchmarks.report import Result, Target, now
from benchmarks.service import running_service

NAME = "api"
TITLE = "API: requests/second under 32 connections vs a bare route in the same server"
DATABASE = "insider_bench"
STORED_MESSAGES = 10_000
CONNECTIONS = 32
WARMUP_SECONDS = 2.0
SECONDS = 10.0
API_KEY = "bench-messages-key"
TARGET = Target(">=", 0.5)
CREATE_BODY = '{"content":"Benchmark: your order has shipped.","phoneNumber":"+905551234567"}'


async def run(workdir: Path) -> Result:
    result = Result(name=NAME, title=TITLE, started_at=now())
    cores: dict[str, dict[str, float]] = {}
    db = BenchDatabase.named(DATABASE)
    await mariadb.recreate(db)
    await mariadb.insert_pending(db, STORED_MESSAGES)
    generator = load_generator()
    if generator.kind != "wrk":
        result.note(f"load from an aiohttp client in a second process: {generator.detail}")
    settings = {
        "DATABASE_URL": db.url,
        "MESSAGES_API_KEY": API_KEY,
        "AUTO_START_SCHEDULER": "false",
    }
    argv = [sys.executable, "-m", "benchmarks.api_app"]
    async with running_service(settings, workdir / "api-service.log", argv) as (server, base):
        requests = {
            "bare route": Request(method="GET", url=base + BARE_PATH, api_key=API_KEY),
            "GET /api/v1/messages?pageSize=100": Request(
                method="GET", url=f"{base}/api/v1/messages?pageSize=100", api_key=API_KEY
            ),
            "POST /api/v1/messages": Request(
                method="POST", url=f"{base}/api/v1/messages", api_key=API_KEY, body=CREATE_BODY
            ),
        }
        loads: dict[str, Load] = {}
        for name, request in requests.items():
            loads[name], cores[name] = await _measure(generator, request, workdir, name, server.pid)
        bare_after, _ = await _measure(
            generator, requests["bare route"], workdir, "bare (again)", server.pid
        )
    bare = statistics.fmean([loads["bare route"].rate, bare_after.rate])
    for name in ("GET /api/v1/messages?pageSize=100", "POST /api/v1/messages"):
        result.check(f"{name} / bare route (req/s)", loads[name].rate / bare, TARGET)
    for name, load in loads.items():
        rate = bare if name == "bare route" else load.rate
        result.figure(f"{name}: throughput", rate, "req/s")
        result.figure(f"{name}: p50 latency", load.p50_ms, "ms")
        result.figure(f"{name}: p99 latency", load.p99_ms, "ms")
        for process, used in cores[name].items():
            result.figure(f"{name}: CPU of {process}", used, "cores")
        if load.non2xx or load.socket_errors:
            result.note(f"{name}: {load.non2xx} non-2xx answers, {load.socket_errors} errors")
    result.details = {
        "generator": generator.kind,
        "connections": CONNECTIONS,
        "seconds": SECONDS,
        "storedMessages": STORED_MESSAGES,
        "loads": {**loads, "bare route (again)": bare_after},
        "cpuCores": cores,
    }
    return result


async def _measure(
    generator: Generator, request: Request, workdir: Path, name: str, server_pid: int
) -> tuple[Load, dict[str, float]]:
    """The load, and the CPU (in cores) the server and MariaDB used meanwhile."""
    await apply_load(generator, request, CONNECTIONS, WARMUP_SECONDS, workdir)
    before = _cpu(server_pid)
    load = await apply_load(generator, request, CONNECTIONS, SECONDS, workdir)
    after = _cpu(server_pid)
    print(
        f"  {name}: {load.rate:,.0f} req/s, p50 {load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms",
        flush=True,
    )
    return load, {process: (after[process] - before[process]) / load.seconds for process in after}


def _cpu(server_pid: int) -> dict[str, float]:
    return {
        "server": procfs.cpu_seconds(server_pid),
        "mariadb": sum(procfs.cpu_seconds(pid) for pid in procfs.pids_named("mariadbd")),
    }
