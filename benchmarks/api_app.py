"""The service exactly as `insider serve` builds it, plus one bare route returning a constant:
the baseline of what Litestar and the server stack serve in the same process. Benchmark-only;
the product never registers this route.

Run: `python -m benchmarks.api_app [STACK]` (configured by the environment, like `insider
serve`); STACK is one of `STACKS`, by default the one `insider serve` uses."""

from __future__ import annotations

import sys

from litestar import Litestar, get

from entrypoints.cli import settings_or_exit
from entrypoints.container import Container
from entrypoints.logging import configure_logging
from entrypoints.serving import build_server, run
from entrypoints.web.app import create_app

BARE_PATH = "/bench/bare"
STACKS = ("uvicorn-h11", "uvicorn-httptools", "granian")
"""uvicorn's pure-Python parser, uvicorn's C parser (both on uvloop), and Granian (Rust)."""
PRODUCT_STACK = "uvicorn-httptools"


@get(BARE_PATH, include_in_schema=False)
async def bare() -> dict[str, bool]:
    return {"success": True}


def create_bench_app(container: Container) -> Litestar:
    app = create_app(container)
    app.register(bare)
    return app


def bench_app() -> Litestar:
    """The factory Granian's workers call: settings from the environment."""
    settings = settings_or_exit()
    configure_logging(settings.log_format, settings.log_level)
    return create_bench_app(Container(settings=settings))


def serve_on_uvicorn(parser: str) -> None:
    settings = settings_or_exit()
    configure_logging(settings.log_format, settings.log_level)
    app = create_bench_app(Container(settings=settings))
    server = build_server(
        app,
        settings.server_host,
        settings.server_port,
        graceful_seconds=settings.shutdown_timeout_seconds,
        parser=parser,
    )
    if not run(server):
        sys.exit(1)


def serve_on_granian() -> None:
    from granian.constants import Interfaces, Loops
    from granian.server import Server

    settings = settings_or_exit()
    Server(
        "benchmarks.api_app:bench_app",
        address=settings.server_host,
        port=settings.server_port,
        interface=Interfaces.ASGI,
        loop=Loops.uvloop,
        factory=True,
        log_access=False,
    ).serve()


def main(argv: list[str]) -> None:
    stack = argv[0] if argv else PRODUCT_STACK
    if stack == "granian":
        serve_on_granian()
    elif stack in STACKS:
        serve_on_uvicorn(stack.removeprefix("uvicorn-"))
    else:
        sys.exit(f"unknown stack {stack!r}; one of {', '.join(STACKS)}")


if __name__ == "__main__":
    main(sys.argv[1:])
