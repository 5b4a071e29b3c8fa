"""`insider serve` as a child process, configured only by the environment the benchmark gives
it (inherited service variables are dropped, so the shell cannot change what is measured)."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from benchmarks.processes import Child, free_port, venv_script, wait_for_http
from entrypoints.settings import KNOWN_VARIABLES

BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def clean_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in KNOWN_VARIABLES}


def redis_reachable(url: str = BENCH_REDIS_URL) -> bool:
    host_port = url.split("//", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
    host, _, port = host_port.partition(":")
    try:
        with socket.create_connection((host, int(port or 6379)), 1):
            return True
    except OSError:
        return False


def serve_command() -> list[str]:
    script = venv_script("insider")
    if script is not None:
        return [script, "serve"]
    return [sys.executable, "-c", "from entrypoints.cli import main; main()", "serve"]


@asynccontextmanager
async def running_service(
    settings: Mapping[str, str], log: Path, argv: list[str] | None = None
) -> AsyncIterator[tuple[Child, str]]:
    """The service and its base URL, once /health answers; stopped with SIGTERM after."""
    port = free_port()
    env = {
        **clean_environment(),
        "SERVER_HOST": "127.0.0.1",
        "SERVER_PORT": str(port),
        "LOG_LEVEL": "WARNING",
        **settings,
    }
    child = await Child.start("insider serve", argv or serve_command(), log, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        await wait_for_http(f"{base_url}/health", child)
        yield child, base_url
    finally:
        await child.stop(grace=60)
