"""The `insider` command line: bad settings, migrate, seed, demo and a graceful serve."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from entrypoints.cli import main

INSIDER = [sys.executable, "-c", "from entrypoints.cli import main; main()"]


def clean_env(**variables: str) -> dict[str, str]:
    """The process environment without any setting, plus `variables`."""
    from entrypoints.settings import KNOWN_VARIABLES

    kept = {k: v for k, v in os.environ.items() if k not in KNOWN_VARIABLES}
    return {**kept, **variables}


@pytest.mark.parametrize(
    ("variable", "value"),
    [("MESSAGE_BATCH_SIZE", "abc"), ("DATABASE_URL", "mysql//nohost"), ("SERVER_PORT", "-1")],
)
@pytest.mark.parametrize(
    "command", ["serve", "migrate", "recount", "seed", "prune-attempts --older-than 7"]
)
def test_an_invalid_setting_stops_the_command_with_one_line_and_exit_code_2(
    command: str, variable: str, value: str
) -> None:
    result = CliRunner().invoke(main, command.split(), env={variable: value})

    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"{variable}: ")


def test_the_installed_entry_point_exits_2_on_an_invalid_setting() -> None:
    completed = subprocess.run(
        [*INSIDER, "migrate"],
        env=clean_env(MESSAGE_BATCH_SIZE="abc"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert completed.returncode == 2
    assert completed.stderr.strip() == "MESSAGE_BATCH_SIZE: must be an integer, got 'abc'"


def test_migrate_leaves_a_sqlite_store_ready_and_is_idempotent(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'insider.db'}"}

    first = CliRunner().invoke(main, ["migrate"], env=env)
    second = CliRunner().invoke(main, ["migrate"], env=env)

    assert first.exit_code == second.exit_code == 0, first.output
    assert count_messages(tmp_path / "insider.db") == 0
    assert second.output.strip() == "The schema is up to date."


def test_migrate_applies_the_missing_mysql_migrations_once(mysql_url: str) -> None:
    database = f"insider_cli_migrate_{uuid.uuid4().hex[:12]}"  # runs side by side never meet
    env = {"DATABASE_URL": mysql_url.rstrip("/") + f"/{database}"}
    drop_mysql_database(env["DATABASE_URL"])
    try:
        first = CliRunner().invoke(main, ["migrate"], env=env)
        second = CliRunner().invoke(main, ["migrate"], env=env)
    finally:
        drop_mysql_database(env["DATABASE_URL"])

    assert first.exit_code == 0, first.output
    assert first.output.startswith("Applied migrations: 0001")
    assert second.output.strip() == "The schema is up to date."


def drop_mysql_database(url: str) -> None:
    import pymysql

    from entrypoints.settings import MySqlTarget, load_settings

    target = load_settings({"DATABASE_URL": url}).database
    assert isinstance(target, MySqlTarget)
    connection = pymysql.connect(
        host=target.host, port=target.port, user=target.user, password=target.password
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{target.database}`")
    finally:
        connection.close()


def test_seed_stores_the_requested_number_of_messages(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'insider.db'}"}

    result = CliRunner().invoke(main, ["seed", "--count", "1203"], env=env)

    assert result.exit_code == 0, result.output
    assert "Stored 1203 messages." in result.output
    assert count_messages(tmp_path / "insider.db") == 1203


def count_messages(database: Path) -> int:
    import sqlite3

    with sqlite3.connect(database) as connection:
        [(count,)] = connection.execute("SELECT COUNT(*) FROM messages").fetchall()
    return int(count)


def test_the_demo_delivers_messages_to_its_own_receiver() -> None:
    completed = subprocess.run(
        [*INSIDER, "demo", "--port", "0", "--interval", "1", "--duration", "4"],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=90,
    )

    assert completed.returncode == 0, completed.stderr
    output = completed.stdout
    assert "Swagger UI:" in output
    assert re.search(r"Dashboard: +http://127\.0\.0\.1:\d+/dashboard", output)
    assert "demo-messages-key" in output
    assert "batch 1: 5 sent" in output
    assert "duplicates" in output
    summary = output.strip().splitlines()[-1]
    assert summary.startswith("Demo stopped: ")
    assert "with 0 duplicates" in summary
    assert " 0 of 20 " not in summary


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_health(port: int, deadline: float) -> dict[str, object]:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as answer:
                body: dict[str, object] = json.load(answer)
                return body
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the service never answered /health")


def test_serve_answers_health_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'insider.db'}",
        SERVER_PORT=str(port),
        SERVER_HOST="127.0.0.1",
        WEBHOOK_URL=f"http://127.0.0.1:{free_port()}/hook",
        SEED_DATA="true",
    )
    process = subprocess.Popen(
        [*INSIDER, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        health = wait_for_health(port, time.monotonic() + 30)
        process.send_signal(signal.SIGTERM)
        _, logs = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    # The webhook's port is closed: the breaker may already have opened (degraded).
    assert health["status"] in ("ok", "degraded")
    assert health["components"]["database"] == {"status": "up"}
    assert process.returncode == 0
    events = [json.loads(line)["event"] for line in logs.splitlines() if line.startswith("{")]
    assert "scheduler started" in events
    assert "scheduler stopped; the batches in flight were recorded" in events
    assert "seeded 5 sample messages (SEED_DATA=true)" in events


def test_the_receiver_answers_202_counts_duplicates_and_prints_a_summary_on_exit() -> None:
    port = free_port()
    process = subprocess.Popen(
        [*INSIDER, "receiver", "--port", str(port)],
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == f"Receiving at http://127.0.0.1:{port}"
        answers = [post_webhook(port, "key-1") for _ in range(2)]
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert [status for status, _ in answers] == [202, 202]
    assert answers[0][1]["messageId"] != answers[1][1]["messageId"]
    assert process.returncode == 0
    assert "Receiver summary:" in output
    assert "  requests: 2" in output
    assert "  duplicates: 1" in output


def post_webhook(port: int, key: str) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhook",
        data=b'{"to": "+905551112233", "content": "hi"}',
        headers={"Content-Type": "application/json", "Idempotency-Key": key},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        return answer.status, json.load(answer)


def test_prune_attempts_removes_only_attempts_older_than_the_given_days(tmp_path: Path) -> None:
    database = tmp_path / "insider.db"
    old_id, recent_id = asyncio.run(send_one_message_at_each(database, days_ago=(40, 1)))

    result = CliRunner().invoke(
        main,
        ["prune-attempts", "--older-than", "30"],
        env={"DATABASE_URL": f"sqlite:///{database}"},
    )

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Removed 1 delivery attempt older than 30 days."
    assert asyncio.run(attempt_counts(database, old_id, recent_id)) == [0, 1]


def test_prune_attempts_needs_the_age_and_refuses_a_negative_one() -> None:
    missing = CliRunner().invoke(main, ["prune-attempts"])
    negative = CliRunner().invoke(main, ["prune-attempts", "--older-than", "-1"])

    assert missing.exit_code == negative.exit_code == 2
    assert "--older-than" in missing.output
    assert "-1" in negative.output


async def send_one_message_at_each(database: Path, days_ago: tuple[int, ...]) -> list[int]:
    """Store and deliver one message at each age, oldest first: one attempt each."""
    from adapters.memory import InMemorySentCache, ManualClock, ScriptedSender
    from adapters.sqlite import SqliteMessageRepository
    from insider_core import DispatchConfig, Dispatcher, MessageService, RetryPolicy

    now = datetime.now(UTC)
    clock = ManualClock(now - timedelta(days=days_ago[0]))
    repository = await SqliteMessageRepository.open(database)
    try:
        cache = InMemorySentCache(clock)
        service = MessageService(repository, cache, clock)
        dispatcher = Dispatcher(
            repository, ScriptedSender(), cache, clock, RetryPolicy(), DispatchConfig()
        )
        ids = []
        for age in days_ago:
            clock.advance((now - timedelta(days=age) - clock.now()).total_seconds())
            message, _ = await service.create(f"{age} days old", "+905551112233")
            await dispatcher.dispatch_batch(1)
            ids.append(message.id)
        return ids
    finally:
        await repository.close()


async def attempt_counts(database: Path, *message_ids: int) -> list[int]:
    from adapters.sqlite import SqliteMessageRepository

    repository = await SqliteMessageRepository.open(database)
    try:
        return [len(await repository.list_attempts(message_id)) for message_id in message_ids]
    finally:
        await repository.close()


def test_recount_over_a_store_that_counts_on_every_read_has_nothing_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["recount"], env={"DATABASE_URL": f"sqlite:///{tmp_path / 'insider.db'}"}
    )

    assert result.exit_code == 0, result.output
    assert "nothing to recount" in result.output


@pytest.mark.parametrize(
    ("option", "env"),
    [
        (["--workers", "0"], {}),
        (["--workers", "many"], {}),
        (["--workers", "257"], {}),
        ([], {"SERVER_WORKERS": "-2"}),
    ],
)
def test_serve_refuses_a_number_of_workers_that_is_not_1_to_256_or_auto(
    option: list[str], env: dict[str, str]
) -> None:
    result = CliRunner().invoke(main, ["serve", *option], env=env)

    assert result.exit_code == 2
    assert "is not a number of workers (1 to 256, or auto)" in result.output


def test_workers_refuse_an_in_memory_store_they_could_not_share() -> None:
    result = CliRunner().invoke(
        main, ["serve", "--workers", "2"], env={"DATABASE_URL": "memory://"}
    )

    assert result.exit_code == 2
    assert result.stderr.startswith("--workers 2: the workers need a store they share")


def test_auto_workers_means_one_worker_per_core_this_process_may_use() -> None:
    from entrypoints.cli import worker_count
    from entrypoints.workers import available_cores

    assert worker_count(None, None, "auto") == available_cores() >= 1


def test_workers_that_cannot_start_stop_the_service_with_their_exit_code() -> None:
    env = clean_env(
        DATABASE_URL="mysql://root@127.0.0.1:1/unreachable",
        SERVER_PORT=str(free_port()),
        SERVER_HOST="127.0.0.1",
    )
    completed = subprocess.run(
        [*INSIDER, "serve", "--workers", "2"], env=env, capture_output=True, timeout=60
    )

    assert completed.returncode not in (0, -signal.SIGKILL)
