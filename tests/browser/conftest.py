"""A real service, its receiver and Debian's chromium driven by Playwright. The browser is
never downloaded: without /usr/bin/chromium these tests skip, or fail under CI=true."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e.launcher import Launcher
from e2e.processes import Service, wait_until

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
FAILED_PHONE = "+905550001122"
OTHER_PHONES = ("+905551110001", "+905551110002", "+14155550123", "+447700900123")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    message = f"no chromium at {CHROMIUM}; install it with `apt-get install -y chromium`"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: a missing browser fails the run)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser(chromium_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium_path))
        yield launched
        launched.close()


def settle(service: Service) -> None:
    def nothing_left() -> bool:
        stats = service.stats()
        return stats["pending"] + stats["sending"] == 0

    wait_until(nothing_left, 30, "every message to be sent or failed")
    service.scheduler("POST", "/stop")


def create(service: Service, phone: str, content: str) -> dict[str, Any]:
    status, body = service.messages("POST", "", {"content": content, "phoneNumber": phone})
    assert status == 201, body
    return dict(body["data"])


def fail_one(service: Service, phone: str = "+905559990000") -> dict[str, Any]:
    """A new message, sent once with every send failing on purpose: failed."""
    message = create(service, phone, "This one will fail")
    assert service.scheduler("POST", "/start", {"failureRate": 1})[0] == 200
    settle(service)
    return service.message(message["id"])


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The service's SQLite file, which another instance may share."""
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'messages.db'}"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, store_url: str) -> Iterator[Service]:
    """Messages in every status: most sent, some failed (one of them the only message to
    FAILED_PHONE), a few pending; the scheduler stopped."""
    folder = tmp_path_factory.mktemp("browser")
    launcher = Launcher(folder)
    try:
        receiver = launcher.receiver()
        service = launcher.service(
            {
                "DATABASE_URL": store_url,
                "WEBHOOK_URL": receiver.webhook_url,
                "MESSAGE_SEND_INTERVAL_SECONDS": "0.1",
                "MESSAGE_BATCH_SIZE": "20",
            }
        )
        for n in range(36):
            create(service, OTHER_PHONES[n % len(OTHER_PHONES)], f"Your code is {1000 + n}")
        assert service.scheduler("POST", "/start", {"failureRate": 0.2})[0] == 200
        settle(service)
        fail_one(service, FAILED_PHONE)
        for n in range(3):
            create(service, OTHER_PHONES[n], f"Reminder {n + 1}: your appointment is tomorrow")
        yield service
    finally:
        launcher.stop_all()
