"""`python -m benchmarks` (`nox -s bench`): the performance budgets on each store given.

    python -m benchmarks [--store DATABASE_URL ...] [--messages N] [--seconds S]
                         [--set NAME=VALUE ...]

Prints the budgets table (Markdown) and exits 1 when a budget is not met."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import warnings
from pathlib import Path

import pymysql

from benchmarks import report
from benchmarks.budgets import Measured, Settings, measure
from benchmarks.stores import store_for

DEFAULTS = Settings()
DEFAULT_STORES = os.environ.get(
    "BENCH_DATABASE_URL",
    "mysql://root@127.0.0.1:3306/insider_bench postgresql://postgres@127.0.0.1:5432/insider_bench",
).split()


async def run_all(urls: list[str], settings: Settings) -> list[Measured]:
    runs = []
    for url in urls:
        print(f">> {url}", flush=True)
        workdir = Path(tempfile.mkdtemp(prefix="insider-bench-"))
        print(f"  logs in {workdir}", flush=True)
        runs.append(await measure(store_for(url), settings, workdir))
    return runs


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--store",
        action="append",
        metavar="DATABASE_URL",
        help="a store to measure, repeatable; its database is recreated "
        f"(default {' and '.join(DEFAULT_STORES)})",
    )
    parser.add_argument("--messages", type=int, default=DEFAULTS.messages)
    parser.add_argument("--seconds", type=float, default=DEFAULTS.seconds, help="per route")
    parser.add_argument("--dispatch-seconds", type=float, default=DEFAULTS.dispatch_seconds)
    parser.add_argument("--clients", type=int, default=DEFAULTS.clients)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        dest="service",
        help="a service variable over the benchmark's own, repeatable (DISPATCH_PIPELINE=3)",
    )
    options = vars(parser.parse_args(argv))
    options["service"] = dict(item.split("=", 1) for item in options["service"])
    urls = options.pop("store") or DEFAULT_STORES
    settings = Settings(**options)
    warnings.filterwarnings("ignore", category=pymysql.Warning)
    runs = asyncio.run(run_all(urls, settings))
    print()
    print(report.markdown(runs))
    print(f"\nwritten to {report.save(runs)}")
    return 0 if report.all_met(runs) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
