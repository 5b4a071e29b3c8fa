"""A row no request can carry, and a receiver that redirects, through real processes: the
service on Redis and MariaDB (and PostgreSQL for the row), `insider receiver`, and rows written
with SQL as another system would write them."""

from __future__ import annotations

import asyncio
import time

from contract.mysql_databases import ScratchDatabase
from e2e.conftest import SqlDatabase
from e2e.launcher import Launcher
from e2e.processes import Service, wait_until
from insider_core.message import UNSENDABLE_KEY

LEASE_SECONDS = 2
SETTINGS = {
    "MESSAGE_SEND_INTERVAL_SECONDS": "0.1",
    "MESSAGE_BATCH_SIZE": "10",
    "CLAIM_LEASE_SECONDS": str(LEASE_SECONDS),
    "WEBHOOK_TIMEOUT_SECONDS": "2",
}
GOOD_ROWS = 6


def line_break(database: SqlDatabase) -> str:
    """A line feed in SQL: CHAR(10) on MariaDB; PostgreSQL spells it chr(10) (its CHAR(10) is
    a type)."""
    return "CHAR(10)" if isinstance(database, ScratchDatabase) else "chr(10)"


def insert_outbox_rows(database: SqlDatabase) -> int:
    """Six good rows and, among them, one whose idempotency key holds a line break, written
    with SQL; returns the bad row's id."""
    bad_key = f"CONCAT('a', {line_break(database)}, 'b')"
    good = "INSERT INTO messages (content, phone_number) VALUES ('fine', '+905551112233')"
    bad = (
        "INSERT INTO messages (content, phone_number, idempotency_key) "
        f"VALUES ('x', '+905551112233', {bad_key})"
    )

    async def insert() -> int:
        for _ in range(GOOD_ROWS // 2):
            await database.query(good)
        await database.query(bad)
        for _ in range(GOOD_ROWS - GOOD_ROWS // 2):
            await database.query(good)
        [(bad_id,)] = await database.query(
            f"SELECT id FROM messages WHERE idempotency_key = {bad_key}"
        )
        return int(bad_id)

    return asyncio.run(insert())


def runs_past_the_lease(service: Service) -> None:
    """Long enough for every lease of the first batches to have expired, and for the
    scheduler to have claimed again several times since."""
    time.sleep(LEASE_SECONDS + 1)
    target = service.scheduler_status()["runsCount"] + 5
    wait_until(lambda: service.scheduler_status()["runsCount"] >= target, 10, "five more runs")


def test_a_row_whose_key_no_header_can_carry_is_dead_lettered_and_its_batch_sent_once(
    launch: Launcher, sql_stores: dict[str, str], sql_database: SqlDatabase
) -> None:
    receiver = launch.receiver()
    service = launch.service({**sql_stores, **SETTINGS, "WEBHOOK_URL": receiver.webhook_url})
    bad_id = insert_outbox_rows(sql_database)

    status, _ = service.scheduler("POST", "/start")
    assert status == 200
    wait_until(lambda: service.stats()["sent"] == GOOD_ROWS, 20, f"the good rows ({service.log})")
    runs_past_the_lease(service)

    assert service.stats() == {
        "pending": 0,
        "sending": 0,
        "sent": GOOD_ROWS,
        "failed": 1,
        "total": GOOD_ROWS + 1,
    }
    received = receiver.stats()
    assert (received["requests"], received["unique"], received["duplicates"]) == (
        GOOD_ROWS,
    ) * 2 + (0,)
    bad = service.message(bad_id)
    assert (bad["status"], bad["attempts"], bad["lastError"]) == ("failed", 1, UNSENDABLE_KEY)
    [attempt] = service.attempts(bad_id)
    assert (attempt["errorKind"], attempt["httpStatus"]) == ("unsendable", None)


def test_a_receiver_that_redirects_gets_nothing_sent_elsewhere_and_the_message_fails(
    launch: Launcher, stores: dict[str, str]
) -> None:
    elsewhere = launch.receiver()
    stolen = elsewhere.url + "/stolen"
    redirecting = launch.receiver("--redirect-to", stolen)
    service = launch.service(
        {
            **stores,
            **SETTINGS,
            "AUTO_START_SCHEDULER": "true",
            "WEBHOOK_URL": redirecting.webhook_url,
            "WEBHOOK_AUTH_KEY": "provider-secret",
        }
    )
    [message] = service.create()

    failed = service.wait_for(message["id"], "failed")
    runs_past_the_lease(service)

    assert elsewhere.stats()["requests"] == 0
    assert redirecting.stats()["requests"] == 1
    assert failed["attempts"] == 1
    assert failed["lastError"] == (
        f"redirect to {stolen} refused; set WEBHOOK_URL to the final address"
    )
    [attempt] = service.attempts(message["id"])
    assert (attempt["httpStatus"], attempt["errorKind"]) == (307, "redirect")
