"""What the one-shot CLI commands do, apart from parsing their options."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from datetime import timedelta

import click

from adapters.memory import InMemorySentCache
from entrypoints.fake_receiver import FakeReceiverOptions, FakeReceiverStats, run_fake_receiver
from entrypoints.resources import opened_repository
from entrypoints.seeding import seed
from entrypoints.settings import Settings
from insider_core import Clock, MessageService, SystemClock


async def open_store(settings: Settings) -> None:
    """Open the store, migrating it, and close it again."""
    async with opened_repository(settings):
        pass


async def migrate_store(settings: Settings) -> list[str]:
    async with opened_repository(settings, migrate=False) as store:
        return await store.migrate()


async def prune_old_attempts(
    settings: Settings, older_than_days: float, clock: Clock | None = None
) -> int:
    """Delete the attempts that started before now minus `older_than_days`; returns how many."""
    cutoff = (clock or SystemClock()).now() - timedelta(days=older_than_days)
    async with opened_repository(settings) as repository:
        return await repository.prune_attempts(cutoff)


async def seed_store(settings: Settings, count: int, on_progress: Callable[[int], None]) -> int:
    clock = SystemClock()
    async with opened_repository(settings) as repository:
        service = MessageService(
            repository, InMemorySentCache(clock), clock, settings.message_max_content_length
        )
        return await seed(repository, service, count, on_progress)


async def serve_fake_receiver(
    host: str, port: int, options: FakeReceiverOptions
) -> FakeReceiverStats:
    """Run the receiver until SIGINT or SIGTERM, then print what it received."""
    task = asyncio.create_task(
        run_fake_receiver(
            host, port, options, on_ready=lambda url: click.echo(f"Receiving at {url}")
        )
    )
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(stop_signal, task.cancel)
    stats = await task
    click.echo("Receiver summary:")
    for name, value in stats.to_json().items():
        click.echo(f"  {name}: {value}")
    return stats
