"""Run the API under uvicorn until SIGINT or SIGTERM, then shut down gracefully: the lifespan
stops the scheduler (the batch in flight is recorded) before resources close."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Callable, Iterator

import uvicorn
from litestar import Litestar

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
YOUNG_GENERATION_THRESHOLD = 50_000


class Server(uvicorn.Server):
    """Uvicorn whose stop signals are handled by `serve`, so a clean stop exits with 0."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def build_server(
    app: Litestar, host: str, port: int, *, graceful_seconds: float, access_log: bool = True
) -> Server:
    return Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            lifespan="on",
            log_config=None,
            access_log=access_log,
            timeout_graceful_shutdown=int(graceful_seconds),
        )
    )


async def serve(server: Server) -> bool:
    """Serve until a stop signal; False when the app could not start."""
    loop = asyncio.get_running_loop()
    for stop_signal in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(stop_signal, request_stop, server)
    try:
        await server.serve()
    finally:
        for stop_signal in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(stop_signal)
    return server.started


def run(server: Server) -> bool:
    """`serve` on uvloop when it is installed (the `speed` extra), else on asyncio's loop."""
    # Dispatch allocates many short-lived objects and no cyclic garbage, so the default
    # young-generation threshold (700) runs the collector about ten times per batch for nothing.
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, 20, 20)
    with asyncio.Runner(loop_factory=fastest_loop_factory()) as runner:
        return runner.run(serve(server))


def fastest_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def request_stop(server: Server) -> None:
    server.should_exit = True
