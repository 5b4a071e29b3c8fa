"""Where the API server spends its CPU under load: py-spy sampling the process serving
benchmarks/api_app.py while the list, the create and the bare route are each loaded."""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks import api, mariadb, stacks
from benchmarks.api_app import BARE_PATH
from benchmarks.load import Request, apply_load, load_generator
from benchmarks.mariadb import BenchDatabase
from benchmarks.profiling import find_py_spy, sampling
from benchmarks.report import RESULTS_DIR, Result, now
from benchmarks.service import running_service

NAME = "profile_api"
TITLE = "Profile of the API server under load (py-spy, CPU samples)"
SECONDS = 8.0
SHOWN = 8


async def run(workdir: Path) -> Result:
    result = Result(name=NAME, title=TITLE, started_at=now())
    py_spy, why = find_py_spy()
    if py_spy is None:
        result.note(f"no CPU profile: {why}")
        return result
    db = BenchDatabase.named(api.DATABASE)
    await mariadb.recreate(db)
    await mariadb.insert_pending(db, api.STORED_MESSAGES)
    settings = {
        "DATABASE_URL": db.url,
        "MESSAGES_API_KEY": api.API_KEY,
        "AUTO_START_SCHEDULER": "false",
    }
    argv = [sys.executable, "-m", "benchmarks.api_app"]
    generator = load_generator()
    RESULTS_DIR.mkdir(exist_ok=True)
    async with running_service(settings, workdir / "api-service.log", argv) as (child, base):
        requests = {
            "list": Request(
                method="GET", url=f"{base}/api/v1/messages?pageSize=100", api_key=api.API_KEY
            ),
            "create": Request(
                method="POST",
                url=f"{base}/api/v1/messages",
                api_key=api.API_KEY,
                body=api.CREATE_BODY,
            ),
            "bare": Request(method="GET", url=base + BARE_PATH, api_key=api.API_KEY),
        }
        for name, request in requests.items():
            output = RESULTS_DIR / f"api-{name}-profile.txt"
            stop = await sampling(py_spy, output, workdir / "py-spy.log")(child.pid)
            load = await apply_load(generator, request, api.CONNECTIONS, SECONDS, workdir)
            await stop()
            result.figure(f"{name}: throughput while sampled", load.rate, "req/s")
            _figures(result, name, output)
    return result


def _figures(result: Result, name: str, profile: Path) -> None:
    if not profile.exists():
        result.note(f"py-spy wrote no profile for {name}")
        return
    sampled = stacks.read_stacks(profile)
    for library, share in stacks.by_library(sampled)[:SHOWN]:
        result.figure(f"{name}: CPU self time in {library}", share * 100, "%")
    result.details[name] = {
        "byLibrary": stacks.by_library(sampled),
        "topSelf": stacks.top_self(sampled, 30),
        "topInclusive": stacks.top_inclusive(sampled, 60),
    }
