"""The `insider` command: serve, migrate, prune-attempts, seed, receiver, demo."""

from __future__ import annotations

import asyncio
import os
import socket
import sys

import click

from entrypoints.settings import MemoryTarget, Settings, SettingsError, load_settings
from entrypoints.store_failures import store_failures_exit
from insider_core import MAX_BATCH_SIZE

INVALID_SETTINGS = 2
CANNOT_LISTEN = 3
MAX_WORKERS = 256


def settings_or_exit() -> Settings:
    try:
        return load_settings(os.environ)
    except SettingsError as error:
        click.echo(str(error), err=True)
        sys.exit(INVALID_SETTINGS)


def worker_count(_context: click.Context | None, _option: object, value: str) -> int:
    """`--workers`: 1 to MAX_WORKERS, or `auto` for one per core this process may use."""
    from entrypoints.workers import available_cores

    if value.strip().lower() == "auto":
        return available_cores()
    try:
        count = int(value)
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_WORKERS:
        raise click.BadParameter(
            f"{value!r} is not a number of workers (1 to {MAX_WORKERS}, or auto)"
        )
    return count


def open_store_or_exit(settings: Settings) -> None:
    """Open (and migrate) the store once before serving: a store that cannot be used stops
    start-up with one line, before the port is bound or anything is claimed."""
    from entrypoints.commands import open_store

    with store_failures_exit(settings.database):
        asyncio.run(open_store(settings))


@click.group()
@click.version_option(package_name="insider-dispatch")
def main() -> None:
    """Send stored messages to a webhook, automatically and safely."""


@main.command()
@click.option("--host", help="Interface to bind [default: SERVER_HOST or 0.0.0.0]")
@click.option("--port", type=click.IntRange(1, 65535), help="[default: SERVER_PORT or 8080]")
@click.option(
    "--workers",
    default="1",
    callback=worker_count,
    metavar="N|auto",
    envvar="SERVER_WORKERS",
    show_envvar=True,
    help="Processes sharing the port, each with its own scheduler; auto: one per core [default: 1]",
)
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Run the REST API and the scheduler until SIGINT or SIGTERM."""
    from entrypoints.logging import configure_logging
    from entrypoints.serving import CannotListen, listen

    settings = settings_or_exit()
    if workers > 1 and isinstance(settings.database, MemoryTarget):
        click.echo(
            f"--workers {workers}: the workers need a store they share; memory:// would give "
            "each its own messages (use SQLite or MySQL)",
            err=True,
        )
        sys.exit(INVALID_SETTINGS)
    configure_logging(settings.log_format, settings.log_level)
    open_store_or_exit(settings)
    try:
        sock = listen(host or settings.server_host, port or settings.server_port)
    except CannotListen as error:
        click.echo(str(error), err=True)
        sys.exit(CANNOT_LISTEN)
    if workers == 1:
        sys.exit(serve_on(sock, settings))
    from entrypoints.workers import serve_in_workers

    sys.exit(serve_in_workers(workers, lambda: serve_on(sock, settings)))


def serve_on(sock: socket.socket, settings: Settings) -> int:
    """The app and its scheduler on a socket already listening; the process's exit code."""
    from entrypoints.container import Container
    from entrypoints.serving import build_server, run
    from entrypoints.web.app import create_app

    app = create_app(Container(settings=settings))
    host, port = sock.getsockname()[:2]
    server = build_server(app, host, port, graceful_seconds=settings.shutdown_timeout_seconds)
    return 0 if run(server, sock) else 1


@main.command()
def migrate() -> None:
    """Apply the schema migrations the database is missing."""
    from entrypoints.commands import migrate_store

    settings = settings_or_exit()
    with store_failures_exit(settings.database):
        applied = asyncio.run(migrate_store(settings))
    if applied:
        click.echo("Applied migrations: " + ", ".join(applied))
    else:
        click.echo("The schema is up to date.")


@main.command("prune-attempts")
@click.option(
    "--older-than",
    "days",
    type=click.FloatRange(0, 36_500),
    required=True,
    metavar="DAYS",
    help="Remove attempts that started more than DAYS days ago (fractions allowed)",
)
def prune_attempts(days: float) -> None:
    """Remove old entries from the delivery attempt log; messages are kept."""
    from entrypoints.commands import prune_old_attempts

    settings = settings_or_exit()
    with store_failures_exit(settings.database):
        removed = asyncio.run(prune_old_attempts(settings, days))
    noun = "attempt" if removed == 1 else "attempts"
    click.echo(f"Removed {removed} delivery {noun} older than {days:g} days.")


@main.command()
@click.option("--count", "-n", type=click.IntRange(1, 10_000_000), default=100, show_default=True)
def seed(count: int) -> None:
    """Store COUNT sample messages, with a progress bar."""
    from entrypoints.commands import seed_store

    settings = settings_or_exit()
    with (
        store_failures_exit(settings.database),
        click.progressbar(length=count, label="Seeding messages") as bar,
    ):
        stored = asyncio.run(seed_store(settings, count, bar.update))
    click.echo(f"Stored {stored} messages.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8081, show_default=True)
@click.option("--failure-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True)
@click.option("--fail-status", type=click.IntRange(100, 599), default=500, show_default=True)
@click.option("--latency", type=click.FloatRange(0), default=0.0, help="Seconds per request")
@click.option("--always-status", type=click.IntRange(100, 599), help="Answer every request so")
@click.option("--retry-after", help="Retry-After header on every failure")
@click.option("--close-connection-rate", type=click.FloatRange(0, 1), default=0.0)
@click.option("--messageless", is_flag=True, help="Answer 202 without a messageId")
@click.option("--non-json", is_flag=True, help="Answer 202 with a plain-text body")
@click.option("--redirect-to", metavar="URL", help="Answer every request 307 to this Location")
@click.option("--seed", "random_seed", type=int, help="Seed for reproducible failures")
def receiver(
    host: str,
    port: int,
    failure_rate: float,
    fail_status: int,
    latency: float,
    always_status: int | None,
    retry_after: str | None,
    close_connection_rate: float,
    messageless: bool,
    non_json: bool,
    redirect_to: str | None,
    random_seed: int | None,
) -> None:
    """A fake webhook receiver for trials and tests: 202 with a fresh messageId; prints a
    summary on exit."""
    from entrypoints.commands import serve_fake_receiver
    from entrypoints.fake_receiver import FakeReceiverOptions

    options = FakeReceiverOptions(
        failure_rate=failure_rate,
        fail_status=fail_status,
        latency_seconds=latency,
        always_status=always_status,
        retry_after=retry_after,
        close_connection_rate=close_connection_rate,
        messageless=messageless,
        non_json=non_json,
        redirect_to=redirect_to,
        seed=random_seed,
    )
    asyncio.run(serve_fake_receiver(host, port, options))


@main.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--count", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--interval", type=click.FloatRange(0.1, 3600), default=5.0, show_default=True)
@click.option("--batch-size", type=click.IntRange(1, MAX_BATCH_SIZE), default=5, show_default=True)
@click.option("--duration", type=click.FloatRange(0), help="Stop after this many seconds")
def demo(port: int, count: int, interval: float, batch_size: int, duration: float | None) -> None:
    """Everything embedded: SQLite, in-memory cache, a local receiver and sample messages."""
    from entrypoints.demo import DemoOptions, run_demo

    options = DemoOptions(
        port=port, count=count, interval_seconds=interval, batch_size=batch_size, duration=duration
    )
    if not asyncio.run(run_demo(options)):
        sys.exit(1)
