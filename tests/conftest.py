"""Where the real services are, and what to do when one is missing.

Under CI (CI=true) a missing MySQL, PostgreSQL or Redis fails the run; locally the tests that
need it skip with a message that says how to start it.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

MYSQL_URL = os.environ.get("TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
HOW_TO_START = (
    "start it with `docker compose --profile postgres up -d mysql postgres redis`, or point "
    "TEST_MYSQL_URL / TEST_POSTGRES_URL / TEST_REDIS_URL at a running server"
)


def _answers(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def require_service(name: str, url: str, default_port: int) -> str:
    if _answers(url, default_port):
        return url
    message = f"{name} is not reachable at {url}; {HOW_TO_START}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: a missing service fails the run)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def mysql_url() -> str:
    return require_service("MySQL", MYSQL_URL, 3306)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return require_service("PostgreSQL", POSTGRES_URL, 5432)


@pytest.fixture(scope="session")
def redis_url() -> str:
    return require_service("Redis", REDIS_URL, 6379)
