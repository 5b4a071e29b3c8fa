"""The performance budgets, measured on one store: what users feel at a million messages
while one service process dispatches at full speed to a local 202 receiver.

1. The raw limit: a bare aiohttp client POSTs to the receiver, with no database.
2. The dispatcher (one `insider serve` process, scheduler on) sends alone for a window: its
   rate against the raw limit, and the database server's CPU per delivered message.
3. While it keeps sending, a second `insider serve` (scheduler off) serves 16 clients, one
   route at a time: p50 and p99 of each against its budget."""

from __future__ import annotations

import asyncio
import os
import re
import time
from pathlib import Path

import aiohttp
import msgspec

from benchmarks import procfs
from benchmarks.http_load import Latencies, Request, apply_load
from benchmarks.raw_limit import RawLimit, measure_raw_limit
from benchmarks.receiver import Receiver, running_receiver
from benchmarks.service import BENCH_REDIS_URL, redis_reachable, running_service
from benchmarks.stores import Store

API_KEY = "bench-messages-key"
CREATE_BODY = '{"content":"Benchmark: your order has shipped.","phoneNumber":"+905551234567"}'
BATCH_SIZE = 500
WEBHOOK_CONCURRENCY = 64
RAW_LIMIT_MESSAGES = 30_000
SENT = re.compile(r"^messages_sent_total (\S+)$", re.MULTILINE)


class Budget(msgspec.Struct, frozen=True):
    name: str
    method: str
    path: str
    p99_ms: float


ROUTES = (
    Budget("page of 100", "GET", "/api/v1/messages?pageSize=100", 50),
    Budget("stats", "GET", "/api/v1/messages/stats", 50),
    Budget("create", "POST", "/api/v1/messages", 30),
    Budget("deep page (2000)", "GET", "/api/v1/messages?page=2000&pageSize=100", 500),
    Budget("page past the end", "GET", "/api/v1/messages?page=1000000000&pageSize=100", 50),
)
DISPATCH_SHARE = 0.55


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    messages: int = 1_000_000
    clients: int = 16
    seconds: float = 10.0
    """Per route, after a second of warm-up."""
    dispatch_seconds: float = 20.0
    service: dict[str, str] = {}
    """Variables given to both services over the benchmark's own (`--set NAME=VALUE`): a
    setting measured against its default."""

    @property
    def pending(self) -> int:
        """Enough for the dispatcher to keep sending through the whole run."""
        return self.messages * 7 // 10

    @property
    def failed(self) -> int:
        return self.messages // 100

    @property
    def sent(self) -> int:
        return self.messages - self.pending - self.failed


class Dispatch(msgspec.Struct, frozen=True, kw_only=True):
    delivered: int
    seconds: float
    database_cpu_seconds: float
    service_cpu_seconds: float = 0.0
    """The dispatching process's own CPU over the window."""

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds

    @property
    def database_us_per_message(self) -> float:
        return self.database_cpu_seconds / max(self.delivered, 1) * 1e6

    @property
    def service_us_per_message(self) -> float:
        return self.service_cpu_seconds / max(self.delivered, 1) * 1e6


class Measured(msgspec.Struct, kw_only=True):
    store: str
    server: str
    settings: Settings
    raw_limit: list[RawLimit]
    dispatch: Dispatch
    routes: dict[str, Latencies]
    sent_while_serving: int
    dispatcher_rss_mib: list[float]
    """At the start of the dispatch window and at the end of the run: flat when what the
    process keeps is bounded."""
    notes: list[str]

    @property
    def dispatch_share(self) -> float:
        raw = sum(run.rate for run in self.raw_limit) / len(self.raw_limit)
        return self.dispatch.rate / raw


async def measure(store: Store, settings: Settings, workdir: Path) -> Measured:
    print(f"  loading {settings.messages:,} messages into {store.url}", flush=True)
    started = time.monotonic()
    server = await store.recreate()
    await store.load(settings)
    print(f"  loaded in {time.monotonic() - started:.0f} s ({server})", flush=True)
    notes = [_load_average("before"), *await store.notes()]
    if settings.service:
        notes.append("set: " + ", ".join(f"{k}={v}" for k, v in settings.service.items()))
    async with running_receiver(workdir) as receiver:
        if receiver.kind != "nginx":
            notes.append(f"receiver: {receiver.kind}")
        raw = [await _raw_limit(receiver, workdir)]
        cache = await _sent_cache(notes)
        dispatcher_settings = _dispatcher(store, receiver, cache) | settings.service
        async with running_service(dispatcher_settings, workdir / "dispatcher.log") as (
            dispatcher,
            base,
        ):
            await asyncio.sleep(3)  # past the first claims, the pool's connections opened
            rss = [procfs.rss_mib(dispatcher.pid)]
            dispatch = await _dispatch_window(
                store, dispatcher.pid, base, settings.dispatch_seconds
            )
            print(
                f"  dispatch: {dispatch.rate:,.0f} msg/s; CPU per message: the service's "
                f"{dispatch.service_us_per_message:.0f} µs, the database's "
                f"{dispatch.database_us_per_message:.0f} µs",
                flush=True,
            )
            sent_before = await _sent(base)
            routes = await _serve_routes(store, settings, workdir)
            sent_while_serving = await _sent(base) - sent_before
            rss.append(procfs.rss_mib(dispatcher.pid))
        raw.append(await _raw_limit(receiver, workdir))
    notes.append(_load_average("after"))
    if await store.unfinished() == 0:
        notes.append("the dispatcher ran out of pending messages before the end")
    return Measured(
        store=store.url,
        server=server,
        settings=settings,
        raw_limit=raw,
        dispatch=dispatch,
        routes=routes,
        sent_while_serving=sent_while_serving,
        dispatcher_rss_mib=rss,
        notes=notes,
    )


def _load_average(when: str) -> str:
    one, five, _ = os.getloadavg()
    return f"load average {when}: {one:.1f} (1 min), {five:.1f} (5 min), {os.cpu_count()} cores"


async def _raw_limit(receiver: Receiver, workdir: Path) -> RawLimit:
    raw = await measure_raw_limit(
        receiver.url, RAW_LIMIT_MESSAGES, WEBHOOK_CONCURRENCY, workdir / "raw-limit.log"
    )
    print(f"  raw limit: {raw.rate:,.0f} msg/s", flush=True)
    return raw


async def _sent_cache(notes: list[str]) -> str | None:
    if not redis_reachable():
        notes.append("Redis unreachable: the dispatcher used the in-memory sent cache")
        return None
    from redis.asyncio import Redis

    client = Redis.from_url(BENCH_REDIS_URL)
    try:
        await client.flushdb()
    finally:
        await client.aclose()
    return BENCH_REDIS_URL


def _dispatcher(store: Store, receiver: Receiver, cache: str | None) -> dict[str, str]:
    settings = {
        "DATABASE_URL": store.url,
        "WEBHOOK_URL": receiver.url,
        "MESSAGE_BATCH_SIZE": str(BATCH_SIZE),
        "WEBHOOK_CONCURRENCY": str(WEBHOOK_CONCURRENCY),
        "MESSAGE_SEND_INTERVAL_SECONDS": "0.01",
        "AUTO_START_SCHEDULER": "true",
    }
    return settings | ({"REDIS_URL": cache} if cache else {})


async def _sent(base_url: str) -> int:
    """Messages the dispatcher has had accepted so far, from its /metrics."""
    async with aiohttp.ClientSession() as session, session.get(f"{base_url}/metrics") as answer:
        found = SENT.search(await answer.text())
    return int(float(found.group(1))) if found else 0


def _database_cpu(store: Store) -> float:
    return sum(procfs.cpu_seconds(pid) for pid in procfs.pids_named(store.server_process))


async def _dispatch_window(store: Store, pid: int, base_url: str, seconds: float) -> Dispatch:
    sent, began = await _sent(base_url), time.monotonic()
    database_cpu, service_cpu = _database_cpu(store), procfs.cpu_seconds(pid)
    await asyncio.sleep(seconds)
    return Dispatch(
        delivered=await _sent(base_url) - sent,
        seconds=time.monotonic() - began,
        database_cpu_seconds=_database_cpu(store) - database_cpu,
        service_cpu_seconds=procfs.cpu_seconds(pid) - service_cpu,
    )


async def _serve_routes(store: Store, settings: Settings, workdir: Path) -> dict[str, Latencies]:
    api = {"DATABASE_URL": store.url, "MESSAGES_API_KEY": API_KEY, "AUTO_START_SCHEDULER": "false"}
    api |= settings.service
    measured: dict[str, Latencies] = {}
    async with running_service(api, workdir / "api.log") as (_, base):
        for budget in ROUTES:
            request = Request(
                method=budget.method,
                url=base + budget.path,
                api_key=API_KEY,
                body=CREATE_BODY if budget.method == "POST" else None,
            )
            log = workdir / f"load-{len(measured)}.log"
            latencies = await apply_load(request, settings.clients, settings.seconds, log)
            print(
                f"  {budget.name}: p50 {latencies.p50_ms:.1f} ms, p99 {latencies.p99_ms:.1f} ms"
                f" ({latencies.rate:,.0f} req/s)",
                flush=True,
            )
            measured[budget.name] = latencies
    return measured
