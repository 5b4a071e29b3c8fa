"""API throughput and latency under 32 concurrent connections: create a message and list a
page of 100, beside a bare route returning a constant in the same server process
(benchmarks/api_app.py), on each server stack side by side (uvicorn with h11, uvicorn with
httptools, Granian). Each round starts every stack once, in a rotated order, and measures the
bare route before and after the others (its mean is that server's baseline). Ratios are the
median over the rounds: each route against the bare route of its own server, and against the
bare route of the fastest stack of the same round (the ceiling a faster server would leave)."""

from __future__ import annotations

import statistics
import sys
from collections import defaultdict
from pathlib import Path

from benchmarks import mariadb, procfs
from benchmarks.api_app import BARE_PATH, PRODUCT_STACK, STACKS
from benchmarks.load import Generator, Load, Request, apply_load, load_generator
from benchmarks.mariadb import BenchDatabase
from benchmarks.report import Result, Target, now
from benchmarks.service import running_service

NAME = "api"
TITLE = "API: requests/second under 32 connections vs a bare route, per server stack"
DATABASE = "insider_bench"
STORED_MESSAGES = 10_000
CONNECTIONS = 32
ROUNDS = 3
WARMUP_SECONDS = 1.0
SECONDS = 5.0
API_KEY = "bench-messages-key"
TARGET = Target(">=", 0.5)
CREATE_BODY = '{"content":"Benchmark: your order has shipped.","phoneNumber":"+905551234567"}'
LIST = "GET /api/v1/messages?pageSize=100"
CREATE = "POST /api/v1/messages"
BARE = "bare route"
BARE_AGAIN = "bare route (again)"
ROUTES = (LIST, CREATE)
CEILING_TARGETS = {CREATE: Target(">=", 0.5), LIST: Target(">=", 0.6)}

Rates = dict[str, dict[str, list[float]]]
"""stack -> route -> one rate per round."""


async def run(workdir: Path) -> Result:
    result = Result(name=NAME, title=TITLE, started_at=now())
    db = BenchDatabase.named(DATABASE)
    await mariadb.recreate(db)
    await mariadb.insert_pending(db, STORED_MESSAGES)
    generator = load_generator()
    if generator.kind != "wrk":
        result.note(f"load from an aiohttp client in a second process: {generator.detail}")
    rates: Rates = defaultdict(lambda: defaultdict(list))
    loads: dict[str, dict[str, Load]] = {}
    cores: dict[str, dict[str, float]] = {}
    for round_number in range(ROUNDS):
        order = STACKS[round_number % len(STACKS) :] + STACKS[: round_number % len(STACKS)]
        for stack in order:
            print(f"  round {round_number + 1}, {stack}:", flush=True)
            loads[stack], measured_cores = await _measure_stack(generator, db, stack, workdir)
            if stack == PRODUCT_STACK:
                cores = measured_cores
            for route, load in loads[stack].items():
                rates[stack][BARE if route == BARE_AGAIN else route].append(load.rate)
    _report(result, rates, loads[PRODUCT_STACK], cores)
    result.details = {
        "generator": generator.kind,
        "connections": CONNECTIONS,
        "seconds": SECONDS,
        "rounds": ROUNDS,
        "storedMessages": STORED_MESSAGES,
        "productStack": PRODUCT_STACK,
        "ratesPerRound": rates,
        "lastLoads": loads,
        "cpuCores": cores,
    }
    return result


def _report(
    result: Result, rates: Rates, loads: dict[str, Load], cores: dict[str, dict[str, float]]
) -> None:
    fastest_bare = [max(_bare(rates, stack)[n] for stack in STACKS) for n in range(ROUNDS)]
    for route in ROUTES:
        own = statistics.median(
            rate / bare
            for rate, bare in zip(
                rates[PRODUCT_STACK][route], _bare(rates, PRODUCT_STACK), strict=True
            )
        )
        result.check(f"{route} / bare route (req/s)", own, TARGET)
    for route in ROUTES:
        ceiling = statistics.median(
            rate / bare
            for rate, bare in zip(rates[PRODUCT_STACK][route], fastest_bare, strict=True)
        )
        result.check(
            f"{route} / bare route of the fastest stack (req/s)", ceiling, CEILING_TARGETS[route]
        )
    for stack in STACKS:
        baseline = statistics.median(_bare(rates, stack))
        result.figure(f"{stack}: bare route", baseline, "req/s")
        for route in ROUTES:
            result.figure(f"{stack}: {route}", statistics.median(rates[stack][route]), "req/s")
        bare_share = statistics.median(
            own / fastest for own, fastest in zip(_bare(rates, stack), fastest_bare, strict=True)
        )
        result.figure(f"{stack}: bare route / the fastest stack's", bare_share, "x")
    for route, load in loads.items():
        result.figure(f"{PRODUCT_STACK}, {route}: p50 latency", load.p50_ms, "ms")
        result.figure(f"{PRODUCT_STACK}, {route}: p99 latency", load.p99_ms, "ms")
        if load.non2xx or load.socket_errors:
            result.note(f"{route}: {load.non2xx} non-2xx answers, {load.socket_errors} errors")
    for route, used in cores.items():
        for process, share in used.items():
            result.figure(f"{PRODUCT_STACK}, {route}: CPU of {process}", share, "cores")


def _bare(rates: Rates, stack: str) -> list[float]:
    """The bare route's rate per round: the mean of its runs before and after the others."""
    runs = rates[stack][BARE]
    return [statistics.fmean(runs[n : n + 2]) for n in range(0, len(runs), 2)]


async def _measure_stack(
    generator: Generator, db: BenchDatabase, stack: str, workdir: Path
) -> tuple[dict[str, Load], dict[str, dict[str, float]]]:
    settings = {
        "DATABASE_URL": db.url,
        "MESSAGES_API_KEY": API_KEY,
        "AUTO_START_SCHEDULER": "false",
    }
    argv = [sys.executable, "-m", "benchmarks.api_app", stack]
    log = workdir / f"api-{stack}.log"
    loads: dict[str, Load] = {}
    cores: dict[str, dict[str, float]] = {}
    async with running_service(settings, log, argv) as (server, base):
        requests = {
            BARE: Request(method="GET", url=base + BARE_PATH, api_key=API_KEY),
            LIST: Request(
                method="GET", url=base + "/api/v1/messages?pageSize=100", api_key=API_KEY
            ),
            CREATE: Request(
                method="POST", url=base + "/api/v1/messages", api_key=API_KEY, body=CREATE_BODY
            ),
        }
        for name in (BARE, LIST, CREATE, BARE_AGAIN):
            request = requests[BARE if name == BARE_AGAIN else name]
            loads[name], cores[name] = await measure(generator, request, workdir, name, server.pid)
    return loads, cores


async def measure(
    generator: Generator, request: Request, workdir: Path, name: str, server_pid: int
) -> tuple[Load, dict[str, float]]:
    """The load, and the CPU (in cores) the server and MariaDB used meanwhile."""
    await apply_load(generator, request, CONNECTIONS, WARMUP_SECONDS, workdir)
    before = _cpu(server_pid)
    load = await apply_load(generator, request, CONNECTIONS, SECONDS, workdir)
    after = _cpu(server_pid)
    print(
        f"    {name}: {load.rate:,.0f} req/s, p50 {load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms",
        flush=True,
    )
    return load, {process: (after[process] - before[process]) / load.seconds for process in after}


def _cpu(server_pid: int) -> dict[str, float]:
    """The server's CPU with its children's (worker processes are children of the first)."""
    return {
        "server": procfs.cpu_seconds_with_children(server_pid),
        "mariadb": sum(procfs.cpu_seconds(pid) for pid in procfs.pids_named("mariadbd")),
    }
