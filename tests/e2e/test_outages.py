"""The database (MariaDB, PostgreSQL) or Redis cut away from a running service by a TCP proxy
the test controls."""

from __future__ import annotations

from urllib.parse import urlsplit

from e2e.conftest import SqlDatabase, database_url
from e2e.launcher import Launcher
from e2e.processes import Service, wait_until
from e2e.tcp_proxy import TcpProxy

STEADY = {
    "AUTO_START_SCHEDULER": "true",
    "MESSAGE_SEND_INTERVAL_SECONDS": "0.1",
    "MESSAGE_BATCH_SIZE": "5",
    "WEBHOOK_TIMEOUT_SECONDS": "5",
    "CLAIM_LEASE_SECONDS": "3",
}


def ticks(service: Service, count: int) -> None:
    """Wait until the scheduler loop has scheduled `count` more runs."""
    seen = {service.scheduler_status()["nextRunAt"]}

    def ticked() -> bool:
        seen.add(service.scheduler_status()["nextRunAt"])
        return len(seen) > count

    wait_until(ticked, 10, f"{count} more scheduler ticks")


def test_a_database_outage_answers_503_keeps_the_scheduler_alive_and_loses_nothing(
    launch: Launcher,
    sql_database: SqlDatabase,
    sql_proxy: TcpProxy,
    redis_e2e_url: str,
) -> None:
    stores = {"DATABASE_URL": database_url(sql_database), "REDIS_URL": redis_e2e_url}
    launch.seed(stores, 20)
    receiver = launch.receiver("--latency", "1")
    service = launch.service(
        {
            **stores,
            **STEADY,
            "DISPATCH_PIPELINE": "2",
            "DATABASE_URL": database_url(sql_database, port=sql_proxy.port),
            "WEBHOOK_URL": receiver.webhook_url,
        }
    )
    # Cut while both batches of a pipeline of two are at the receiver: claimed, about to be
    # accepted, not recorded.
    wait_until(lambda: receiver.stats()["requests"] == 10, 10, "both batches in flight")
    sql_proxy.cut()

    status, health = service.health()
    assert (status, health["status"]) == (503, "down")
    assert health["components"] == {
        "database": {"status": "down"},
        "redis": {"status": "up"},
        "webhook": {"status": "up"},
    }
    unavailable = (503, {"success": False, "error": "Database unavailable"})
    assert service.messages("GET", "/stats") == unavailable
    assert service.messages("GET", "/1") == unavailable
    assert service.messages("POST", "", {"content": "hi", "phoneNumber": "+905551234567"}) == (
        unavailable
    )
    ticks(service, 5)
    status, scheduler = service.scheduler("GET", "/status")
    assert (status, scheduler["data"]["running"]) == (200, True)
    assert service.alive

    sql_proxy.restore()
    wait_until(lambda: service.health()[0] == 200, 10, "the database to be up again")
    wait_until(lambda: service.stats()["sent"] == 20, 20, f"every message sent ({service.log})")

    assert service.stats() == {"pending": 0, "sending": 0, "sent": 20, "failed": 0, "total": 20}
    assert "10 held results written after the store came back" in service.output()
    received = receiver.stats()
    assert (received["unique"], received["duplicates"]) == (20, 0), received


def cached(service: Service) -> dict[int, str | None]:
    """id -> messageId of every entry in the sent cache."""
    status, body = service.messages("GET", "/cached")
    assert status == 200, body
    return {int(key): entry["messageId"] for key, entry in body["data"].items()}


def through(proxy: TcpProxy, url: str) -> str:
    return urlsplit(url)._replace(netloc=f"127.0.0.1:{proxy.port}").geturl()


def test_a_redis_outage_degrades_health_delivery_goes_on_and_the_cache_misses_only_that_window(
    launch: Launcher, stores: dict[str, str], redis_proxy: TcpProxy
) -> None:
    receiver = launch.receiver()
    service = launch.service(
        {
            **stores,
            **STEADY,
            "REDIS_URL": through(redis_proxy, stores["REDIS_URL"]),
            "WEBHOOK_URL": receiver.webhook_url,
        }
    )
    before = {m["id"] for m in service.create(5)}
    wait_until(lambda: service.stats()["sent"] == 5, 10, "the first messages sent")

    redis_proxy.cut()
    status, health = service.health()
    assert (status, health["status"]) == (200, "degraded")
    assert health["components"] == {
        "database": {"status": "up"},
        "redis": {"status": "down"},
        "webhook": {"status": "up"},
    }
    assert service.messages("GET", "/cached") == (
        503,
        {"success": False, "error": "Cache unavailable"},
    )
    during = {m["id"] for m in service.create(5)}
    wait_until(lambda: service.stats()["sent"] == 10, 10, "delivery during the outage")

    redis_proxy.restore()
    wait_until(lambda: service.health()[1]["status"] == "ok", 10, "Redis to be up again")
    after = {m["id"] for m in service.create(5)}
    wait_until(lambda: service.stats()["sent"] == 15, 10, "delivery after the outage")

    # The cache holds what was sent before the cut and after the restore, each with its
    # webhook messageId; what was sent during the outage is never cached afterwards.
    message_ids = {n: service.message(n)["messageId"] for n in before | after}
    assert cached(service) == message_ids
    assert not cached(service).keys() & during
    received = receiver.stats()
    assert (received["unique"], received["duplicates"]) == (15, 0)
