"""Which adapters the service runs with, chosen from the settings."""

from __future__ import annotations

import inspect
import os
import socket
import uuid
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import aiohttp
from dependency_injector import containers, providers

from adapters.http import AiohttpAlertNotifier, AiohttpWebhookSender
from entrypoints import resources
from entrypoints.metrics import DispatchMetrics
from entrypoints.settings import Settings
from insider_core import (
    AlertNotifier,
    BreakerConfig,
    CircuitBreaker,
    Clock,
    ClusterRateLimit,
    DispatchConfig,
    Dispatcher,
    ErrorKind,
    FailureInjection,
    InstanceAgent,
    InstanceIdentity,
    Message,
    MessageSender,
    MessageService,
    ReceiverAlerts,
    RetryPolicy,
    Scheduler,
    SchedulerConfig,
    SendOutcome,
    SendRate,
    SendSlotLedger,
    ServiceBreaker,
    ServiceControl,
    SystemClock,
    Unlimited,
)

NO_WEBHOOK = "WEBHOOK_URL is not configured; nothing can be sent"


class WebhookNotConfigured(MessageSender):
    """Stands in while WEBHOOK_URL is unset; the scheduler refuses to start without it."""

    async def send(self, message: Message, content: str) -> SendOutcome:
        return SendOutcome.failure(ErrorKind.CONNECTION, "WEBHOOK_URL is not set")


def scheduler_cannot_start(settings: Settings) -> str | None:
    return NO_WEBHOOK if settings.webhook_url is None else None


def webhook_sender(
    session: aiohttp.ClientSession, settings: Settings, clock: Clock
) -> MessageSender:
    if settings.webhook_url is None:
        return WebhookNotConfigured()
    return AiohttpWebhookSender(
        session,
        settings.webhook_url,
        auth_key=settings.webhook_auth_key,
        signing_secret=settings.webhook_signing_secret,
        timeout_seconds=settings.webhook_timeout_seconds,
        clock=clock,
    )


def alert_notifier(session: aiohttp.ClientSession, settings: Settings) -> AlertNotifier | None:
    if settings.alert_webhook_url is None:
        return None
    return AiohttpAlertNotifier(session, settings.alert_webhook_url)


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.max_attempts,
        base_seconds=settings.retry_base_seconds,
        max_seconds=max(settings.retry_max_seconds, settings.retry_base_seconds),
    )


def dispatch_config(settings: Settings) -> DispatchConfig:
    return DispatchConfig(
        concurrency=settings.webhook_concurrency,
        max_content_length=settings.message_max_content_length,
        send_timeout_seconds=settings.webhook_timeout_seconds,
        lease_seconds=settings.claim_lease_seconds,
    )


def scheduler_config(settings: Settings) -> SchedulerConfig:
    return SchedulerConfig(
        interval_seconds=settings.interval_seconds,
        batch_size=settings.message_batch_size,
        failure_rate=settings.failure_rate,
        alert_iteration_count=settings.alert_iteration_count,
        shutdown_timeout_seconds=settings.shutdown_timeout_seconds,
        pipeline=settings.dispatch_pipeline,
    )


def breaker_config(settings: Settings) -> BreakerConfig:
    return BreakerConfig(
        window=settings.breaker_window,
        min_sends=min(settings.breaker_min_sends, settings.breaker_window),
        failure_ratio=settings.breaker_failure_ratio,
        probe_delay_seconds=settings.breaker_probe_delay_seconds,
        max_probe_delay_seconds=max(
            settings.breaker_max_probe_delay_seconds, settings.breaker_probe_delay_seconds
        ),
        max_pause_seconds=min(settings.webhook_max_pause_seconds, settings.retry_max_seconds),
    )


def package_version() -> str:
    try:
        return version("insider-dispatch")
    except PackageNotFoundError:
        return "0.0.0"


def instance_identity(clock: Clock) -> InstanceIdentity:
    """Who this process is among the instances sharing the store (made in each worker)."""
    return InstanceIdentity(
        id=uuid.uuid4().hex[:12],
        host=socket.gethostname(),
        pid=os.getpid(),
        version=package_version(),
        started_at=clock.now(),
    )


def probe_lease_seconds(settings: Settings) -> float:
    """Long enough for the probe to be answered or time out; then another instance probes."""
    return settings.webhook_timeout_seconds + 5.0


def cluster_send_rate(settings: Settings, ledger: SendSlotLedger, clock: Clock) -> SendRate:
    """WEBHOOK_RATE_LIMIT holds for every process sharing the store: slots are booked there."""
    if settings.webhook_rate_limit <= 0:
        return Unlimited(clock)
    return ClusterRateLimit(ledger, clock, settings.webhook_rate_limit)


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    clock = providers.Singleton(SystemClock)

    repository = providers.Resource(resources.repository_resource, settings=settings)
    cache = providers.Resource(resources.cache_resource, settings=settings, clock=clock)
    http_session = providers.Resource(resources.http_session_resource, settings=settings)

    webhook = providers.Singleton(
        webhook_sender, session=http_session, settings=settings, clock=clock
    )
    sender = providers.Singleton(FailureInjection, sender=webhook)
    notifier = providers.Singleton(alert_notifier, session=http_session, settings=settings)
    metrics = providers.Singleton(DispatchMetrics)
    observers = providers.List(metrics)
    receiver_alerts = providers.Singleton(ReceiverAlerts, notifier=notifier, clock=clock)
    identity = providers.Singleton(instance_identity, clock=clock)
    breaker = providers.Singleton(
        CircuitBreaker,
        config=providers.Factory(breaker_config, settings),
        listeners=providers.List(metrics.provided.receiver_changed),
        first_send_alone=True,
    )
    shared_breaker = providers.Singleton(
        ServiceBreaker,
        breaker=breaker,
        records=repository,
        clock=clock,
        instance_id=identity.provided.id,
        probe_lease_seconds=providers.Callable(probe_lease_seconds, settings),
        alerts=receiver_alerts,
    )
    send_rate = providers.Singleton(
        cluster_send_rate, settings=settings, ledger=repository, clock=clock
    )

    message_service = providers.Singleton(
        MessageService,
        repository=repository,
        cache=cache,
        clock=clock,
        max_content_length=settings.provided.message_max_content_length,
    )
    dispatcher = providers.Singleton(
        Dispatcher,
        repository=repository,
        sender=sender,
        cache=cache,
        clock=clock,
        policy=providers.Factory(retry_policy, settings),
        config=providers.Factory(dispatch_config, settings),
        observers=observers,
        breaker=breaker,
        send_rate=send_rate,
        shared_breaker=shared_breaker,
    )
    scheduler = providers.Singleton(
        Scheduler,
        dispatcher=dispatcher,
        clock=clock,
        config=providers.Factory(scheduler_config, settings),
        notifier=notifier,
        cannot_start=providers.Callable(scheduler_cannot_start, settings),
        failure_injection=sender,
    )
    service = providers.Singleton(
        ServiceControl,
        scheduler=scheduler,
        records=repository,
        clock=clock,
        identity=identity,
        shared_breaker=shared_breaker,
    )
    agent = providers.Singleton(InstanceAgent, control=service, shared_breaker=shared_breaker)


async def resolve(provider: providers.Provider[Any]) -> Any:
    """The provided value; async resources make dependent providers return awaitables."""
    value = provider()
    return await value if inspect.isawaitable(value) else value


async def open_container(container: Container) -> None:
    initialised = container.init_resources()
    if initialised is not None:
        await initialised


async def close_container(container: Container) -> None:
    closed = container.shutdown_resources()
    if closed is not None:
        await closed
    container.reset_singletons()
