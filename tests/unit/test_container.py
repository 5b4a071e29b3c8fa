"""The container picks adapters from the settings, opens resources and closes them."""

from __future__ import annotations

from pathlib import Path

from dependency_injector import providers

from adapters.http import AiohttpAlertNotifier, AiohttpWebhookSender
from adapters.memory import InMemoryMessageRepository, InMemorySentCache, ManualClock
from entrypoints.container import (
    Container,
    WebhookNotConfigured,
    close_container,
    open_container,
    resolve,
)
from entrypoints.metrics import DispatchMetrics
from entrypoints.settings import MySqlTarget, load_settings
from insider_core import BatchPhases, BatchReport, Dispatcher, MessageService, Scheduler

MEMORY = {"DATABASE_URL": "memory://"}


async def test_memory_url_and_no_redis_give_the_in_memory_adapters() -> None:
    container = Container(settings=load_settings(MEMORY))
    await open_container(container)
    try:
        assert isinstance(await resolve(container.repository), InMemoryMessageRepository)
        assert isinstance(await resolve(container.cache), InMemorySentCache)
    finally:
        await close_container(container)


async def test_without_webhook_url_the_sender_says_so_and_without_alert_url_no_notifier() -> None:
    container = Container(settings=load_settings(MEMORY))
    await open_container(container)
    try:
        assert isinstance(await resolve(container.webhook), WebhookNotConfigured)
        assert await resolve(container.notifier) is None
        scheduler = await resolve(container.scheduler)
        assert scheduler.cannot_start is not None
        assert "WEBHOOK_URL" in scheduler.cannot_start
    finally:
        await close_container(container)


async def test_webhook_and_alert_urls_give_the_aiohttp_sender_and_notifier() -> None:
    settings = load_settings(
        {
            **MEMORY,
            "WEBHOOK_URL": "http://hooks.test/in",
            "WEBHOOK_AUTH_KEY": "secret",
            "ALERT_WEBHOOK_URL": "http://alerts.test/in",
        }
    )
    container = Container(settings=settings)
    await open_container(container)
    try:
        sender = await resolve(container.webhook)
        assert isinstance(sender, AiohttpWebhookSender)
        assert (sender.url, sender.auth_key) == ("http://hooks.test/in", "secret")
        assert isinstance(await resolve(container.notifier), AiohttpAlertNotifier)
        assert (await resolve(container.scheduler)).cannot_start is None
    finally:
        await close_container(container)


async def test_the_scheduler_and_dispatcher_are_configured_from_the_settings() -> None:
    settings = load_settings(
        {
            **MEMORY,
            "MESSAGE_SEND_INTERVAL_SECONDS": "7",
            "MESSAGE_BATCH_SIZE": "9",
            "FAILURE_RATE": "0.1",
            "ALERT_ITERATION_COUNT": "3",
            "WEBHOOK_CONCURRENCY": "4",
            "MESSAGE_MAX_CONTENT_LENGTH": "160",
            "MAX_ATTEMPTS": "5",
            "RETRY_BASE_SECONDS": "2",
            "RETRY_MAX_SECONDS": "60",
            "CLAIM_LEASE_SECONDS": "90",
            "SHUTDOWN_TIMEOUT_SECONDS": "12",
        }
    )
    container = Container(settings=settings)
    await open_container(container)
    try:
        scheduler: Scheduler = await resolve(container.scheduler)
        dispatcher: Dispatcher = scheduler.dispatcher
        service: MessageService = await resolve(container.message_service)
    finally:
        await close_container(container)

    config = scheduler.config
    assert (config.interval_seconds, config.batch_size, config.failure_rate) == (7, 9, 0.1)
    assert (config.alert_iteration_count, config.shutdown_timeout_seconds) == (3, 12)
    assert dispatcher.config.concurrency == 4
    assert dispatcher.config.max_content_length == 160
    assert dispatcher.config.lease_seconds == 90
    assert (dispatcher.policy.max_attempts, dispatcher.policy.base_seconds) == (5, 2)
    assert dispatcher.policy.max_seconds == 60
    assert service.max_content_length == 160
    assert any(isinstance(observer, DispatchMetrics) for observer in dispatcher.observers)


async def test_each_container_counts_its_own_dispatch_metrics() -> None:
    first, second = (Container(settings=load_settings(MEMORY)) for _ in range(2))
    metrics = [container.metrics() for container in (first, second)]

    metrics[0].sent.inc(3)

    assert metrics[0] is first.metrics()
    assert metrics[0].registry.get_sample_value("messages_sent_total") == 3
    assert metrics[1].registry.get_sample_value("messages_sent_total") == 0


async def test_the_dispatch_metrics_add_up_where_each_batch_spent_its_time() -> None:
    metrics = Container(settings=load_settings(MEMORY)).metrics()
    for claim, send, record in ((0.5, 2.0, 0.25), (1.5, 4.0, 0.75)):
        metrics.batch_finished(
            BatchReport(phases=BatchPhases(claim=claim, send=send, record=record))
        )
    metrics.batch_finished(BatchReport())  # held results written later: no phases

    def total(phase: str, sample: str) -> float | None:
        return metrics.registry.get_sample_value(
            f"dispatch_batch_phase_seconds_{sample}", {"phase": phase}
        )

    assert [total(phase, "count") for phase in ("claim", "send", "record")] == [2, 2, 2]
    assert [total(phase, "sum") for phase in ("claim", "send", "record")] == [2.0, 6.0, 1.0]


async def test_the_sqlite_store_is_opened_migrated_and_closed(tmp_path: Path) -> None:
    from adapters.sqlite import SqliteMessageRepository

    database = tmp_path / "insider.db"
    container = Container(settings=load_settings({"DATABASE_URL": f"sqlite:///{database}"}))
    await open_container(container)
    try:
        repository = await resolve(container.repository)
        assert isinstance(repository, SqliteMessageRepository)
        assert (await repository.stats()).total == 0
        assert await repository.migrate() == []
    finally:
        await close_container(container)
    assert database.exists()


async def test_redis_settings_give_the_redis_cache(redis_url: str) -> None:
    from adapters.redis import RedisSentCache

    container = Container(settings=load_settings({**MEMORY, "REDIS_URL": redis_url}))
    await open_container(container)
    try:
        cache = await resolve(container.cache)
        assert isinstance(cache, RedisSentCache)
        assert await cache.ping()
    finally:
        await close_container(container)


async def test_providers_can_be_overridden_with_fakes() -> None:
    fake_repository = InMemoryMessageRepository()
    clock = ManualClock()
    container = Container(settings=load_settings(MEMORY))
    container.repository.override(providers.Object(fake_repository))
    container.clock.override(providers.Object(clock))
    await open_container(container)
    try:
        service: MessageService = await resolve(container.message_service)
        assert service.repository is fake_repository
        assert service.clock is clock
    finally:
        await close_container(container)


async def test_a_container_can_be_opened_again_after_it_was_closed() -> None:
    container = Container(settings=load_settings(MEMORY))
    await open_container(container)
    first = await resolve(container.scheduler)
    await close_container(container)

    await open_container(container)
    second = await resolve(container.scheduler)
    await close_container(container)

    assert first is not second


async def test_mysql_settings_open_a_migrated_mysql_store(mysql_url: str) -> None:
    from adapters.mysql import MySqlMessageRepository

    database = "insider_container_test"
    container = Container(
        settings=load_settings({"DATABASE_URL": mysql_url.rstrip("/") + f"/{database}"})
    )
    await open_container(container)
    try:
        repository = await resolve(container.repository)
        assert isinstance(repository, MySqlMessageRepository)
        assert await repository.ping()
        assert await repository.migrate() == []
    finally:
        await close_container(container)
        drop_database(mysql_url, database)


def drop_database(mysql_url: str, database: str) -> None:
    import pymysql

    target = load_settings({"DATABASE_URL": mysql_url.rstrip("/") + f"/{database}"}).database
    assert isinstance(target, MySqlTarget)
    connection = pymysql.connect(
        host=target.host, port=target.port, user=target.user, password=target.password
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{database}`")
    finally:
        connection.close()
