"""Security headers on every answer, error answers included."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import MESSAGES_AUTH, MESSAGES_KEY, Client
from entrypoints.web.dashboard import views

DASHBOARD = {"x-dashboard": "1"}


def assert_dashboard_headers(answer: Any) -> None:
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"


@pytest.fixture
async def operator(client: Client) -> Client:
    signed = await client.post(
        "/dashboard/session", data={"messages_key": MESSAGES_KEY}, headers=DASHBOARD
    )
    assert signed.status_code == 200
    return client


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/dashboard/no-such-part", 404),
        ("GET", "/dashboard/scheduler/start", 405),
        ("DELETE", "/dashboard/overview", 405),
        ("GET", "/dashboard/messages?status=lost", 422),
        ("GET", "/dashboard/messages/999", 404),
        ("POST", "/dashboard/replay/preview?", 422),
    ],
)
async def test_the_dashboards_error_answers_carry_its_security_headers(
    operator: Client, method: str, path: str, status: int
) -> None:
    data = {"since_minutes": "7"} if path.startswith("/dashboard/replay") else None
    answer = await operator.request(method, path, headers=DASHBOARD, data=data)

    assert answer.status_code == status
    assert_dashboard_headers(answer)


async def test_a_401_of_the_dashboard_carries_its_security_headers(client: Client) -> None:
    answer = await client.get("/dashboard/overview", headers=DASHBOARD)

    assert answer.status_code == 401
    assert_dashboard_headers(answer)


async def test_a_500_of_the_dashboard_carries_its_security_headers(
    operator: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: Any) -> None:
        raise RuntimeError("a fault of the service")

    monkeypatch.setattr(views, "overview", broken)

    answer = await operator.get("/dashboard/overview", headers=DASHBOARD)

    assert answer.status_code == 500
    assert_dashboard_headers(answer)


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", "/no-such-page", {}, 404),
        ("GET", "/api/v1/messages/stats", {}, 401),
        ("GET", "/api/v1/messages/999", MESSAGES_AUTH, 404),
        ("DELETE", "/api/v1/messages/stats", MESSAGES_AUTH, 405),
        ("GET", "/api/v1/messages?pageSize=0", MESSAGES_AUTH, 422),
    ],
)
async def test_the_apis_error_answers_forbid_running_or_framing_their_body(
    client: Client, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    answer = await client.request(method, path, headers=headers)

    assert answer.status_code == status
    assert answer.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert answer.headers["x-content-type-options"] == "nosniff"


async def test_the_swagger_page_keeps_its_own_scripts_and_says_nosniff(client: Client) -> None:
    answer = await client.get("/swagger")

    assert answer.status_code == 200
    assert "content-security-policy" not in answer.headers
    assert answer.headers["x-content-type-options"] == "nosniff"
