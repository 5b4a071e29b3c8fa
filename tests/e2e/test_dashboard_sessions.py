"""The dashboard's sessions across real instances sharing one store."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from contract.mysql_databases import ScratchDatabase
from contract.postgres_databases import PostgresScratch
from e2e.conftest import database_url
from e2e.launcher import Launcher
from e2e.processes import Service
from e2e.test_logs_and_proxies import dashboard_cookie, post_form


def overview_status(service: Service, cookie: str) -> int:
    request = urllib.request.Request(
        service.url + "/dashboard/overview", headers={"x-dashboard": "1", "cookie": cookie}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def signing_out_of_one_instance_ends_the_session_on_all(launcher: Launcher, store: str) -> None:
    try:
        one, other = launcher.services({"DATABASE_URL": store}, 2)
        cookie = dashboard_cookie(one).split(";", 1)[0]
        assert overview_status(other, cookie) == 200

        status, _, _ = post_form(
            other, "/dashboard/session/end", {}, {"x-dashboard": "1", "cookie": cookie}
        )

        assert status == 200
        assert overview_status(one, cookie) == 401
        assert overview_status(other, cookie) == 401
    finally:
        launcher.stop_all()


def test_on_sqlite_a_session_opens_every_instance_and_signing_out_of_one_ends_it_on_all(
    tmp_path: Path,
) -> None:
    store = f"sqlite:///{tmp_path / 'messages.db'}"
    signing_out_of_one_instance_ends_the_session_on_all(Launcher(tmp_path), store)


def test_on_mysql_a_session_opens_every_instance_and_signing_out_of_one_ends_it_on_all(
    tmp_path: Path, mysql_database: ScratchDatabase
) -> None:
    store = database_url(mysql_database)
    signing_out_of_one_instance_ends_the_session_on_all(Launcher(tmp_path), store)


@pytest.mark.postgres
def test_on_postgresql_a_session_opens_every_instance_and_signing_out_of_one_ends_it_on_all(
    tmp_path: Path, postgres_database: PostgresScratch
) -> None:
    store = database_url(postgres_database)
    signing_out_of_one_instance_ends_the_session_on_all(Launcher(tmp_path), store)
