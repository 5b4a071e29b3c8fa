"""The service exactly as `insider serve` builds and runs it, plus one bare route returning a
constant: the baseline of what Litestar and uvicorn serve in the same process. Benchmark-only;
the product never registers this route.

Run: `python -m benchmarks.api_app` (configured by the environment, like `insider serve`)."""

from __future__ import annotations

import sys

from litestar import Litestar, get

from entrypoints.cli import settings_or_exit
from entrypoints.container import Container
from entrypoints.logging import configure_logging
from entrypoints.serving import build_server, run
from entrypoints.web.app import create_app

BARE_PATH = "/bench/bare"


@get(BARE_PATH, include_in_schema=False)
async def bare() -> dict[str, bool]:
    return {"success": True}


def create_bench_app(container: Container) -> Litestar:
    app = create_app(container)
    app.register(bare)
    return app


def main() -> None:
    settings = settings_or_exit()
    configure_logging(settings.log_format, settings.log_level)
    app = create_bench_app(Container(settings=settings))
    server = build_server(
        app,
        settings.server_host,
        settings.server_port,
        graceful_seconds=settings.shutdown_timeout_seconds,
    )
    if not run(server):
        sys.exit(1)


if __name__ == "__main__":
    main()
