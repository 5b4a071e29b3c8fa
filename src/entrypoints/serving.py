"""Run the API under uvicorn until SIGINT or SIGTERM, then shut down gracefully: the lifespan
stops the scheduler (the batch in flight is recorded) before resources close.

The port is bound and listening before the app starts: a process that cannot serve stops
before its lifespan claims or sends anything (uvicorn alone binds after the lifespan)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import socket
from collections.abc import Callable, Iterator

import uvicorn
from litestar import Litestar

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
YOUNG_GENERATION_THRESHOLD = 50_000
BACKLOG = 2048


class CannotListen(OSError):
    """The address cannot be bound (taken, or not this host's): one line for the operator."""


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port and listening, inheritable by forked workers."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError as error:
        sock.close()
        raise CannotListen(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    sock.set_inheritable(True)
    return sock


class Server(uvicorn.Server):
    """Uvicorn whose stop signals are handled by `serve`, so a clean stop exits with 0."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def build_server(
    app: Litestar,
    host: str,
    port: int,
    *,
    graceful_seconds: float,
    access_log: bool = True,
    parser: str = "auto",
) -> Server:
    return Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            lifespan="on",
            http=parser,
            backlog=BACKLOG,
            log_config=None,
            access_log=access_log,
            # Behind a TLS proxy the request's scheme and client are the ones the proxy names
            # (X-Forwarded-Proto, X-Forwarded-For), trusted only from the addresses in
            # FORWARDED_ALLOW_IPS (by default this host's loopback): the dashboard's cookie is
            # then Secure, and attempts are counted per real client.
            proxy_headers=True,
            timeout_graceful_shutdown=int(graceful_seconds),
        )
    )


async def serve(server: Server, sock: socket.socket | None = None) -> bool:
    """Serve on `sock` (by default, the configured address, bound first) until a stop signal;
    False when the app could not start."""
    if sock is None:
        sock = listen(server.config.host, server.config.port)
    loop = asyncio.get_running_loop()
    for stop_signal in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(stop_signal, request_stop, server)
    try:
        await server.serve(sockets=[sock])
    finally:
        for stop_signal in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(stop_signal)
    return server.started


def run(server: Server, sock: socket.socket | None = None) -> bool:
    """`serve` on uvloop when it is installed (on Linux and macOS by default), else on
    asyncio's loop."""
    # Dispatch allocates many short-lived objects and no cyclic garbage, so the default
    # young-generation threshold (700) runs the collector about ten times per batch for nothing.
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, 20, 20)
    with asyncio.Runner(loop_factory=fastest_loop_factory()) as runner:
        return runner.run(serve(server, sock))


def fastest_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def request_stop(server: Server) -> None:
    server.should_exit = True
