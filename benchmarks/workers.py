"""`insider serve --workers 2` against `--workers 1`, side by side in one run: dispatch
throughput (messages drained into the receiver) and API throughput (create, list a page of
100), alternating 1, 2, 2, 1 so that drift of a shared machine falls on both. On a 2-core
machine MariaDB, the receiver and the load generator share the cores with the workers, so the
ratio says how much a second process helps here, not how the service scales on its own."""

from __future__ import annotations

import statistics
from pathlib import Path

from benchmarks import api, delivery, mariadb
from benchmarks.load import Generator, Load, Request, load_generator
from benchmarks.mariadb import BenchDatabase
from benchmarks.receiver_nginx import running_receiver
from benchmarks.report import Result, now
from benchmarks.service import running_service, serve_command

NAME = "workers"
TITLE = "insider serve --workers 2 vs --workers 1: dispatch and API throughput"
COUNT = 20_000
DATABASE = "insider_bench"
ORDER = (1, 2, 2, 1)


async def run(workdir: Path) -> Result:
    result = Result(name=NAME, title=TITLE, started_at=now())
    db = BenchDatabase.named(DATABASE)
    dispatch: dict[int, list[delivery.DeliveryRun]] = {1: [], 2: []}
    async with running_receiver(workdir) as receiver:
        for workers in ORDER:
            run_ = await delivery.deliver(COUNT, receiver, workdir, db, workers=workers)
            print(f"  dispatch, {workers} worker(s): {run_.rate:,.0f} msg/s", flush=True)
            dispatch[workers].append(run_)
    await mariadb.recreate(db)
    await mariadb.insert_pending(db, api.STORED_MESSAGES)
    generator = load_generator()
    rates: dict[int, dict[str, list[float]]] = {1: {}, 2: {}}
    for workers in ORDER:
        for route, load in (await _api_loads(generator, db, workers, workdir)).items():
            rates[workers].setdefault(route, []).append(load.rate)
    _report(result, dispatch, rates)
    result.details = {
        "count": COUNT,
        "order": ORDER,
        "dispatchRates": {n: [r.rate for r in runs] for n, runs in dispatch.items()},
        "dispatchCpuSeconds": {n: [r.cpu_seconds for r in runs] for n, runs in dispatch.items()},
        "apiRates": rates,
    }
    return result


def _report(
    result: Result,
    dispatch: dict[int, list[delivery.DeliveryRun]],
    rates: dict[int, dict[str, list[float]]],
) -> None:
    one, two = (statistics.fmean(r.rate for r in dispatch[n]) for n in (1, 2))
    result.figure("dispatch, 2 workers / 1 worker", two / one, "x")
    result.figure("dispatch, 1 worker", one, "msg/s")
    result.figure("dispatch, 2 workers", two, "msg/s")
    for n in (1, 2):
        for process in ("service", "mariadb", "receiver", "redis"):
            used = statistics.fmean(r.cpu_seconds[process] / r.wall_seconds for r in dispatch[n])
            result.figure(f"dispatch, {n} worker(s): CPU of {process}", used, "cores")
    for route in rates[1]:
        one, two = (statistics.fmean(rates[n][route]) for n in (1, 2))
        result.figure(f"{route}, 2 workers / 1 worker", two / one, "x")
        result.figure(f"{route}, 1 worker", one, "req/s")
        result.figure(f"{route}, 2 workers", two, "req/s")


async def _api_loads(
    generator: Generator, db: BenchDatabase, workers: int, workdir: Path
) -> dict[str, Load]:
    settings = {
        "DATABASE_URL": db.url,
        "MESSAGES_API_KEY": api.API_KEY,
        "AUTO_START_SCHEDULER": "false",
    }
    argv = [*serve_command(), "--workers", str(workers)]
    log = workdir / f"api-workers-{workers}.log"
    loads: dict[str, Load] = {}
    async with running_service(settings, log, argv) as (server, base):
        requests = {
            api.LIST: Request(
                method="GET", url=base + "/api/v1/messages?pageSize=100", api_key=api.API_KEY
            ),
            api.CREATE: Request(
                method="POST",
                url=base + "/api/v1/messages",
                api_key=api.API_KEY,
                body=api.CREATE_BODY,
            ),
        }
        for route, request in requests.items():
            name = f"{route}, {workers} worker(s)"
            loads[route], _ = await api.measure(generator, request, workdir, name, server.pid)
    return loads
