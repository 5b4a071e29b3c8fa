"""`insider demo`: the whole service embedded (SQLite, in-memory cache, a local webhook receiver,
sample messages, a short interval) so a newcomer sees messages flow with nothing else running."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import tempfile
from pathlib import Path

import click
import msgspec
from aiohttp import web
from dependency_injector import providers

from entrypoints.commands import seed_store
from entrypoints.container import Container
from entrypoints.fake_receiver import (
    FAKE_RECEIVER_STATS,
    FakeReceiverOptions,
    FakeReceiverStats,
    build_fake_receiver_app,
)
from entrypoints.logging import configure_logging
from entrypoints.serving import build_server, request_stop, serve
from entrypoints.settings import Settings, load_settings
from entrypoints.web.app import create_app
from insider_core import BatchReport

HOST = "127.0.0.1"
MESSAGES_KEY = "demo-messages-key"
SCHEDULER_KEY = "demo-scheduler-key"


class DemoOptions(msgspec.Struct, frozen=True, kw_only=True):
    port: int = 8080
    count: int = 20
    interval_seconds: float = 5.0
    batch_size: int = 5
    duration: float | None = None


class BatchPrinter:
    """Prints one line per recorded batch."""

    def __init__(self, total: int, receiver: FakeReceiverStats) -> None:
        self.total = total
        self.receiver = receiver
        self.batches = 0
        self.sent = 0

    def batch_finished(self, report: BatchReport) -> None:
        self.batches += 1
        self.sent += report.sent
        click.echo(
            f"batch {self.batches}: {report.sent} sent, {report.retried} to retry, "
            f"{report.dead_lettered} dead-lettered | sent {self.sent}/{self.total} | receiver: "
            f"{self.receiver.accepted} accepted, {self.receiver.duplicates} duplicates"
        )


def port_or_free(preferred: int) -> int:
    """The preferred port when it is free, else one the system picks."""
    for candidate in (preferred, 0):
        with socket.socket() as probe, contextlib.suppress(OSError):
            probe.bind((HOST, candidate))
            return int(probe.getsockname()[1])
    raise OSError("no free port")


def demo_settings(database: Path, webhook_url: str, options: DemoOptions) -> Settings:
    return load_settings(
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "WEBHOOK_URL": webhook_url,
            "MESSAGES_API_KEY": MESSAGES_KEY,
            "SCHEDULER_API_KEY": SCHEDULER_KEY,
            "MESSAGE_SEND_INTERVAL_SECONDS": str(options.interval_seconds),
            "MESSAGE_BATCH_SIZE": str(options.batch_size),
            "RETRY_BASE_SECONDS": "2",
            "SHUTDOWN_TIMEOUT_SECONDS": "10",
        }
    )


async def run_demo(options: DemoOptions) -> bool:
    configure_logging("console", "WARNING")
    receiver_app = build_fake_receiver_app(FakeReceiverOptions())
    receiver = web.AppRunner(receiver_app, access_log=None)
    await receiver.setup()
    with tempfile.TemporaryDirectory(prefix="insider-demo-") as workdir:
        try:
            site = web.TCPSite(receiver, HOST, 0)
            await site.start()
            receiver_port = receiver.addresses[0][1]
            webhook_url = f"http://{HOST}:{receiver_port}/webhook"
            settings = demo_settings(Path(workdir) / "insider.db", webhook_url, options)
            await seed_store(settings, options.count, lambda _: None)
            return await serve_demo(
                settings, options, receiver_app[FAKE_RECEIVER_STATS], webhook_url
            )
        finally:
            await receiver.cleanup()


async def serve_demo(
    settings: Settings, options: DemoOptions, stats: FakeReceiverStats, webhook_url: str
) -> bool:
    container = Container(settings=settings)
    printer = BatchPrinter(options.count, stats)
    container.observers.override(providers.List(container.metrics, providers.Object(printer)))
    port = port_or_free(options.port)
    server = build_server(create_app(container), HOST, port, graceful_seconds=10, access_log=False)
    print_banner(f"http://{HOST}:{port}", webhook_url, options)
    stopper = None
    if options.duration is not None:
        stopper = asyncio.get_running_loop().call_later(options.duration, request_stop, server)
    try:
        started = await serve(server)
    finally:
        if stopper is not None:
            stopper.cancel()
    click.echo(
        f"Demo stopped: {printer.sent} of {options.count} messages sent in {printer.batches} "
        f"batches; the receiver accepted {stats.accepted} with {stats.duplicates} duplicates."
    )
    return started


def print_banner(api: str, webhook_url: str, options: DemoOptions) -> None:
    click.echo(
        f"""Insider demo (Ctrl-C to stop)
  Dashboard:         {api}/dashboard   (sign in with the two keys below)
  API:               {api}/api/v1/messages
  Swagger UI:        {api}/swagger
  Health:            {api}/health
  Webhook receiver:  {webhook_url}
  Messages API key:  {MESSAGES_KEY}   (header x-ins-auth-key)
  Scheduler API key: {SCHEDULER_KEY}
  Try: curl -H 'x-ins-auth-key: {MESSAGES_KEY}' {api}/api/v1/messages/stats
Seeded {options.count} messages; sending {options.batch_size} every {options.interval_seconds:g} s.
"""
    )
