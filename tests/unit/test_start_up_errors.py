"""What a new user sees when the store cannot be used: one line naming it (password hidden,
port shown) and the cause, exit code 3, for `serve` as for `migrate`."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_cli import INSIDER, clean_env

from entrypoints.cli import main


def refused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("command", ["serve", "migrate", "seed"])
def test_an_unopenable_sqlite_path_stops_the_command_with_one_line_and_exit_code_3(
    command: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/no/such/folder/insider.db"

    result = CliRunner().invoke(main, [command], env={"DATABASE_URL": url})

    assert result.exit_code == 3
    assert result.stderr.strip().splitlines() == [
        f"database unreachable at {url}: unable to open database file"
    ]


def test_an_unreachable_mysql_server_stops_migrate_with_one_line_and_its_password_hidden() -> None:
    port = refused_port()
    url = f"mysql://insider:s3cret@127.0.0.1:{port}/insider_messages"

    result = CliRunner().invoke(main, ["migrate"], env={"DATABASE_URL": url})

    assert result.exit_code == 3
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"database unreachable at mysql://insider:***@127.0.0.1:{port}/")
    assert "Connection refused" in line
    assert "s3cret" not in result.output


def test_an_unreachable_postgresql_server_stops_migrate_with_one_line_and_its_password_hidden() -> (
    None
):
    port = refused_port()
    url = f"postgres://insider:s3cret@127.0.0.1:{port}/insider_messages"

    result = CliRunner().invoke(main, ["migrate"], env={"DATABASE_URL": url})

    assert result.exit_code == 3
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"database unreachable at postgresql://insider:***@127.0.0.1:{port}/")
    assert "Connection refused" in line or "Connect call failed" in line
    assert "s3cret" not in result.output


def test_the_port_is_shown_when_the_settings_leave_it_to_its_default() -> None:
    result = CliRunner().invoke(
        main, ["migrate"], env={"DB_HOST": "127.0.0.1", "DB_PORT": str(refused_port())}
    )

    assert result.exit_code == 3
    assert ":***@" not in result.stderr  # no password was set
    assert result.stderr.startswith("database unreachable at mysql://insider@127.0.0.1:")


def test_serve_with_an_unreachable_store_exits_3_with_one_line_and_no_traceback() -> None:
    port = refused_port()
    completed = subprocess.run(
        [*INSIDER, "serve", "--port", str(refused_port())],
        env=clean_env(DATABASE_URL=f"mysql://root@127.0.0.1:{port}/db", LOG_FORMAT="console"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert completed.returncode == 3
    [line] = completed.stderr.strip().splitlines()
    assert line.startswith(f"database unreachable at mysql://root@127.0.0.1:{port}/db: ")


def test_an_invalid_signing_secret_stops_serve_with_one_line_and_exit_code_2() -> None:
    completed = subprocess.run(
        [*INSIDER, "serve"],
        env=clean_env(WEBHOOK_SIGNING_SECRET="not base64!", DATABASE_URL="memory://"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert completed.returncode == 2
    assert completed.stderr.strip() == (
        "WEBHOOK_SIGNING_SECRET: the webhook signing secret must be base64, "
        "optionally prefixed with 'whsec_'"
    )
