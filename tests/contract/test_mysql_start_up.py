"""Credentials the server refuses stop start-up and `insider migrate` with one line."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from entrypoints.cli import main

pytestmark = pytest.mark.mysql


@pytest.mark.parametrize("command", ["migrate", "serve"])
async def test_refused_credentials_stop_the_command_with_one_line_and_exit_code_3(
    mysql_url: str, command: str
) -> None:
    server = urlsplit(mysql_url)
    host, port = server.hostname or "127.0.0.1", server.port or 3306
    url = f"mysql://no_such_user_insider:wrong@{host}:{port}/insider_messages"

    result = await asyncio.to_thread(CliRunner().invoke, main, [command], env={"DATABASE_URL": url})

    assert result.exit_code == 3
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        f"database unreachable at mysql://no_such_user_insider:***@{host}:{port}/insider_messages: "
        "Access denied for user 'no_such_user_insider'"
    )
