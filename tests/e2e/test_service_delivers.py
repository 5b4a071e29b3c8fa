"""The service as real processes: `insider serve` on Redis and MariaDB or PostgreSQL,
`insider receiver`."""

from __future__ import annotations

from pathlib import Path

from e2e.conftest import SqlDatabase, database_url
from e2e.processes import Receiver, Service, wait_until

COUNT = 40


def test_every_message_created_through_the_api_arrives_once_and_is_recorded_sent(
    tmp_path: Path, sql_database: SqlDatabase, redis_e2e_url: str
) -> None:
    receiver = Receiver(tmp_path)
    service = Service(
        tmp_path,
        {
            "DATABASE_URL": database_url(sql_database),
            "REDIS_URL": redis_e2e_url,
            "WEBHOOK_URL": receiver.webhook_url,
        },
    )
    try:
        for n in range(COUNT):
            status, body = service.messages(
                "POST", "", {"content": f"hello {n}", "phoneNumber": "+905551234567"}
            )
            assert status == 201, body

        status, body = service.scheduler("POST", "/start", {"intervalSeconds": 0.2, "batchSize": 7})
        assert (status, body["message"]) == (200, "Scheduler started successfully")
        wait_until(lambda: service.stats()["sent"] == COUNT, 60, "every message to be sent")

        stats = receiver.stats()
        assert (stats["unique"], stats["duplicates"]) == (COUNT, 0)

        status, page = service.messages("GET", "/sent?pageSize=100")
        assert status == 200
        assert page["totalCount"] == COUNT
        sent_at = [m["sentAt"] for m in page["data"]]
        assert sent_at == sorted(sent_at, reverse=True)
        assert all(m["status"] == "sent" and m["messageId"] for m in page["data"])

        status, cached = service.messages("GET", "/cached")
        assert status == 200
        by_id = {m["id"]: m["messageId"] for m in page["data"]}
        assert {int(k): v["messageId"] for k, v in cached["data"].items()} == by_id

        status, body = service.scheduler("POST", "/stop")
        assert (status, body["message"]) == (200, "Scheduler stopped successfully")
    finally:
        assert service.stop() == 0, service.output()
        receiver.stop()
