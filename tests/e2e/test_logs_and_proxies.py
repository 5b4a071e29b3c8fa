"""What a real service writes to its log, and what it trusts from a TLS proxy in front of it."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from e2e.launcher import Launcher
from e2e.processes import MESSAGES_KEY, SCHEDULER_KEY, Service, wait_until

PHONES = ("+905551239871", "+14155559876", "+447700912345")
WORDS = ("ZEBRA7Q4K", "MARMALADE55X", "QUIXOTIC93W")


def post_form(
    service: Service, path: str, form: dict[str, str], headers: dict[str, str]
) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(
        service.url + path,
        data=urlencode(form).encode(),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def dashboard_cookie(service: Service, headers: dict[str, str] | None = None) -> str:
    """Signs in to the dashboard; the Set-Cookie header it answers with."""
    status, answered, body = post_form(
        service,
        "/dashboard/session",
        {"messages_key": MESSAGES_KEY, "scheduler_key": SCHEDULER_KEY},
        {"x-dashboard": "1", **(headers or {})},
    )
    assert status == 200, body
    return answered["set-cookie"]


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    folder = tmp_path
    launcher = Launcher(folder)
    try:
        receiver = launcher.receiver()
        yield launcher.service(
            {
                "DATABASE_URL": f"sqlite:///{folder / 'messages.db'}",
                "WEBHOOK_URL": receiver.webhook_url,
                "MESSAGE_SEND_INTERVAL_SECONDS": "0.1",
                "LOG_LEVEL": "INFO",
            }
        )
    finally:
        launcher.stop_all()


def test_no_phone_number_or_content_reaches_the_log_access_log_included(
    service: Service,
) -> None:
    created = []
    for phone, word in zip(PHONES, WORDS, strict=True):
        status, body = service.messages(
            "POST", "", {"content": f"Your code is {word}", "phoneNumber": phone}
        )
        assert status == 201, body
        created.append(body["data"]["id"])
    refused, _ = service.messages("POST", "", {"content": WORDS[0], "phoneNumber": "+9055"})
    assert refused == 422
    assert service.scheduler("POST", "/start", {"intervalSeconds": 0.1, "batchSize": 5})[0] == 200
    wait_until(lambda: service.stats()["sent"] >= len(PHONES), 30, "the messages to be sent")
    service.scheduler("POST", "/stop")
    for message_id in created:
        assert service.message(message_id)["status"] == "sent"
    assert service.messages("GET", "?pageSize=100")[0] == 200
    cookie = dashboard_cookie(service).split(";", 1)[0]
    for phone in PHONES:
        status, _, html = post_form(
            service, "/dashboard/messages", {"q": phone}, {"x-dashboard": "1", "cookie": cookie}
        )
        assert status == 200
        assert phone in html  # found, and shown to the operator

    service.stop()
    log = service.output()

    assert "POST /dashboard/messages" in log  # the access log is in what is searched
    assert "message sent" in log
    for secret in (*PHONES, *WORDS, MESSAGES_KEY, SCHEDULER_KEY):
        assert secret.removeprefix("+") not in log, secret


def test_behind_a_trusted_tls_proxy_the_dashboard_cookie_is_secure(service: Service) -> None:
    """The service trusts X-Forwarded-Proto from FORWARDED_ALLOW_IPS (this host by default)."""
    through_proxy = dashboard_cookie(service, {"X-Forwarded-Proto": "https"})
    direct = dashboard_cookie(service)

    assert "Secure" in through_proxy
    assert "Secure" not in direct
