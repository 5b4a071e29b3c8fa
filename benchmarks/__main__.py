"""`python -m benchmarks [NAME ...]` runs the suite (all benchmarks, or the ones named) and
writes benchmarks/results/; `python -m benchmarks report` prints the latest results as
Markdown for docs/PERFORMANCE.md."""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from types import ModuleType

import msgspec
import pymysql

from benchmarks import (
    api,
    claim_scaling,
    dispatch,
    memory,
    procfs,
    profile_api,
    profiling,
    report,
    workers,
)
from benchmarks.machine import describe_machine

QUIET_SHARE = 0.15
QUIET_WAIT_SECONDS = 30.0
BENCHMARKS: dict[str, ModuleType] = {
    module.NAME: module
    for module in (dispatch, memory, profiling, claim_scaling, api, profile_api, workers)
}


async def busy_share(seconds: float = 1.0) -> float:
    """How busy all cores were over the next `seconds`, 0..1."""
    busy_before, total_before = procfs.cpu_ticks()
    await asyncio.sleep(seconds)
    busy_after, total_after = procfs.cpu_ticks()
    return (busy_after - busy_before) / max(total_after - total_before, 1)


async def wait_for_quiet() -> float:
    """Wait (up to QUIET_WAIT_SECONDS) for other work on the machine to calm down; returns
    the last busy share seen."""
    deadline = time.monotonic() + QUIET_WAIT_SECONDS
    busy = await busy_share()
    while busy > QUIET_SHARE and time.monotonic() < deadline:
        print(f"  waiting: the machine is {busy:.0%} busy with other work", flush=True)
        busy = await busy_share(2.0)
    return busy


async def run_suite(names: list[str]) -> int:
    started = time.monotonic()
    machine = await describe_machine()
    print("machine: " + ", ".join(f"{key} {value}" for key, value in machine.items()))
    results: list[report.Result] = []
    failed: list[str] = []
    for name in names:
        module = BENCHMARKS[name]
        print(f"\n>> {name}: {module.TITLE}", flush=True)
        workdir = Path(tempfile.mkdtemp(prefix=f"insider-bench-{name}-"))
        busy = await wait_for_quiet()
        began = time.monotonic()
        try:
            result: report.Result = await module.run(workdir)
        except Exception:
            traceback.print_exc()
            print(f"!! {name} failed; its processes' logs are in {workdir}", flush=True)
            failed.append(name)
            continue
        result.seconds = time.monotonic() - began
        shutil.rmtree(workdir, ignore_errors=True)
        result.details["machine"] = machine
        result.details["busyBeforeStart"] = busy
        if busy > QUIET_SHARE:
            result.note(
                f"the machine was {busy:.0%} busy with other work before this benchmark began; "
                "its numbers are less reliable"
            )
        report.publish(result)
        results.append(result)
    total = time.monotonic() - started
    _summarise(results, machine, total, failed)
    return 1 if failed else 0


def _summarise(
    results: list[report.Result], machine: dict[str, object], total: float, failed: list[str]
) -> None:
    rows = [
        (c.metric, c.shown, c.wanted, "yes" if c.passed else "NO")
        for result in results
        for c in result.checks
    ]
    print(f"\n== Summary ({total / 60:.1f} minutes)")
    print(report.text_table(rows))
    if failed:
        print("failed to run: " + ", ".join(failed))
    summary = {
        "machine": machine,
        "date": report.now(),
        "totalSeconds": total,
        "checks": [c for result in results for c in result.checks],
        "failed": failed,
    }
    report.RESULTS_DIR.mkdir(exist_ok=True)
    (report.RESULTS_DIR / "summary.json").write_bytes(
        msgspec.json.format(msgspec.json.encode(summary)) + b"\n"
    )


def main(argv: list[str]) -> int:
    warnings.filterwarnings("ignore", category=pymysql.Warning)
    if argv[:1] == ["report"]:
        return report.main()
    unknown = [name for name in argv if name not in BENCHMARKS]
    if unknown or argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        print("benchmarks: " + ", ".join(BENCHMARKS))
        return 2 if unknown else 0
    return asyncio.run(run_suite(argv or list(BENCHMARKS)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
