"""What the numbers were measured on: cores, memory, CPU, Python, MariaDB, the event loop."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

from benchmarks import procfs
from benchmarks.mariadb import BenchDatabase, server_version


def os_name() -> str:
    release = Path("/etc/os-release")
    if release.exists():
        for line in release.read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    return platform.platform()


def uvloop_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("uvloop")
    except PackageNotFoundError:
        return None


async def describe_machine() -> dict[str, Any]:
    try:
        mariadb = await server_version(BenchDatabase.named("mysql"))
    except Exception as error:
        mariadb = f"unreachable ({error})"
    return {
        "cores": os.cpu_count(),
        "memoryGib": round(procfs.memory_total_mib() / 1024, 1),
        "cpu": procfs.cpu_model(),
        "os": os_name(),
        "python": platform.python_version(),
        "mariadb": mariadb,
        "uvloopInstalled": uvloop_version(),
    }
