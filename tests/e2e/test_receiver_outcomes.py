"""Each answer of a real receiver lands the message where its lifecycle says, through real
processes: the service on MariaDB and Redis, and `insider receiver` told how to answer."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from e2e.launcher import Launcher
from e2e.processes import Receiver, Service, wait_until

FAST_RETRIES = {
    "AUTO_START_SCHEDULER": "true",
    "MESSAGE_SEND_INTERVAL_SECONDS": "0.1",
    "MESSAGE_BATCH_SIZE": "10",
    "MAX_ATTEMPTS": "3",
    "RETRY_BASE_SECONDS": "0.05",
    "RETRY_MAX_SECONDS": "0.2",
    "WEBHOOK_TIMEOUT_SECONDS": "2",
}
NO_MESSAGE_ID = "accepted without a messageId in the response"


def start(
    launch: Launcher, stores: dict[str, str], *options: str, **env: str
) -> tuple[Service, Receiver]:
    receiver = launch.receiver(*options)
    service = launch.service({**stores, **FAST_RETRIES, **env, "WEBHOOK_URL": receiver.webhook_url})
    return service, receiver


def attempt_log(service: Service, message_id: int) -> list[tuple[int, int | None, str | None]]:
    return [
        (a["attemptNumber"], a["httpStatus"], a["errorKind"]) for a in service.attempts(message_id)
    ]


def runs_later(service: Service, runs: int) -> None:
    """Let the scheduler tick `runs` more times, to show that nothing more happens."""
    target = service.scheduler_status()["runsCount"] + runs
    wait_until(lambda: service.scheduler_status()["runsCount"] >= target, 10, f"{runs} runs")


def test_a_receiver_answering_500_is_retried_up_to_max_attempts_then_dead_lettered(
    launch: Launcher, stores: dict[str, str]
) -> None:
    service, receiver = start(launch, stores, "--always-status", "500")
    [message] = service.create()

    failed = service.wait_for(message["id"], "failed")

    assert failed["attempts"] == 3
    assert failed["lastError"].startswith("HTTP 500")
    assert attempt_log(service, message["id"]) == [(n, 500, "http_status") for n in (1, 2, 3)]
    received = receiver.stats()
    assert (received["requests"], received["unique"]) == (3, 1)


def test_a_receiver_answering_400_dead_letters_the_message_at_once_without_a_retry(
    launch: Launcher, stores: dict[str, str]
) -> None:
    service, receiver = start(launch, stores, "--always-status", "400")
    [message] = service.create()

    failed = service.wait_for(message["id"], "failed")
    runs_later(service, 3)

    assert (failed["attempts"], failed["lastError"][:8]) == (1, "HTTP 400")
    assert attempt_log(service, message["id"]) == [(1, 400, "http_status")]
    assert receiver.stats()["requests"] == 1


@pytest.mark.parametrize(
    ("retry_after", "retry_max_seconds", "expected_wait"),
    [("30", "3600", 30.0), ("7200", "60", 60.0)],
    ids=["honoured", "bounded-by-RETRY_MAX_SECONDS"],
)
def test_a_429_with_retry_after_keeps_the_message_pending_until_the_receiver_said_to_return(
    launch: Launcher,
    stores: dict[str, str],
    retry_after: str,
    retry_max_seconds: str,
    expected_wait: float,
) -> None:
    service, receiver = start(
        launch,
        stores,
        "--always-status",
        "429",
        "--retry-after",
        retry_after,
        RETRY_MAX_SECONDS=retry_max_seconds,
    )
    [message] = service.create()
    wait_until(lambda: service.message(message["id"])["attempts"] == 1, 10, "the first attempt")
    time.sleep(1)  # nothing more is sent meanwhile: the whole process waits

    waiting = service.message(message["id"])
    [attempt] = service.attempts(message["id"])
    paused_until = service.scheduler_status()["receiver"]["pausedUntil"]
    pause = moment(paused_until) - moment(attempt["startedAt"])
    assert expected_wait - 0.5 <= pause.total_seconds() <= expected_wait + 2
    assert (waiting["status"], waiting["attempts"]) == ("pending", 1)
    assert waiting["lastError"].startswith("HTTP 429")
    assert (attempt["attemptNumber"], attempt["httpStatus"]) == (1, 429)
    wait = moment(waiting["nextAttemptAt"]) - moment(attempt["startedAt"])
    assert expected_wait - 0.5 <= wait.total_seconds() <= expected_wait + 2
    assert receiver.stats()["requests"] == 1


def test_a_receiver_slower_than_the_webhook_timeout_is_a_timeout_and_is_retried(
    launch: Launcher, stores: dict[str, str]
) -> None:
    service, receiver = start(
        launch, stores, "--latency", "2", WEBHOOK_TIMEOUT_SECONDS="0.3", MAX_ATTEMPTS="2"
    )
    [message] = service.create()

    failed = service.wait_for(message["id"], "failed")

    assert (failed["attempts"], failed["lastError"]) == (2, "webhook timed out after 0.3 s")
    assert attempt_log(service, message["id"]) == [(1, None, "timeout"), (2, None, "timeout")]
    assert receiver.stats()["requests"] == 2


def test_a_receiver_that_drops_the_connection_is_a_connection_error_and_is_retried(
    launch: Launcher, stores: dict[str, str]
) -> None:
    service, receiver = start(launch, stores, "--close-connection-rate", "1")
    [message] = service.create()

    failed = service.wait_for(message["id"], "failed")

    assert failed["attempts"] == 3
    assert failed["lastError"].startswith("webhook connection failed")
    assert attempt_log(service, message["id"]) == [(n, None, "connection") for n in (1, 2, 3)]
    assert (receiver.stats()["requests"], receiver.stats()["dropped"]) == (3, 3)


@pytest.mark.parametrize("answer", ["--messageless", "--non-json"])
def test_a_202_without_a_readable_message_id_is_sent_once_with_the_anomaly_in_last_error(
    launch: Launcher, stores: dict[str, str], answer: str
) -> None:
    service, receiver = start(launch, stores, answer)
    [message] = service.create()

    sent = service.wait_for(message["id"], "sent")
    runs_later(service, 3)

    assert (sent["messageId"], sent["lastError"], sent["attempts"]) == (None, NO_MESSAGE_ID, 1)
    assert attempt_log(service, message["id"]) == [(1, 202, None)]
    assert receiver.stats()["requests"] == 1
    cached = service.messages("GET", "/cached")[1]["data"]
    assert cached[str(message["id"])]["messageId"] is None


def test_dead_lettered_messages_replayed_through_the_api_are_delivered_once_the_receiver_heals(
    launch: Launcher, stores: dict[str, str]
) -> None:
    service, refusing = start(launch, stores, "--always-status", "400")
    first, *others = service.create(3)
    for message in (first, *others):
        service.wait_for(message["id"], "failed")
    refusing.stop()
    healthy = launch.receiver(port=refusing.port)
    healthy.ready()

    assert service.messages("POST", f"/{first['id']}/replay")[1]["data"] == {"replayed": 1}
    delivered = service.wait_for(first["id"], "sent")
    assert service.stats()["failed"] == 2
    assert service.messages("POST", "/replay/all")[1]["data"] == {"replayed": 2}
    wait_until(lambda: service.stats()["sent"] == 3, 10, "every replayed message to be sent")

    assert (delivered["attempts"], delivered["lastError"]) == (1, None)
    assert delivered["messageId"]
    # The attempt log keeps the dead-lettered attempt; numbering restarts with the replay.
    assert attempt_log(service, first["id"]) == [(1, 400, "http_status"), (1, 202, None)]
    assert (healthy.stats()["unique"], healthy.stats()["duplicates"]) == (3, 0)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)
