"""Who may see and do what on the dashboard: the sign-in, the session cookie, the required
header, and the headers every dashboard answer carries."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import MESSAGES_KEY, SCHEDULER_KEY, Client
from entrypoints.web.dashboard.session import COOKIE

DASHBOARD = {"x-dashboard": "1"}
PARTS = [
    "/dashboard/overview",
    "/dashboard/activity",
    "/dashboard/messages",
    "/dashboard/messages/1",
]
ACTIONS = [
    "/dashboard/replay/preview",
    "/dashboard/replay/all",
    "/dashboard/messages/1/replay",
    "/dashboard/scheduler/start",
    "/dashboard/scheduler/stop",
]


async def signed_in(client: Client, messages: str = MESSAGES_KEY, scheduler: str = "") -> Any:
    return await client.post(
        "/dashboard/session",
        data={"messages_key": messages, "scheduler_key": scheduler},
        headers=DASHBOARD,
    )


async def answers(client: Client, path: str, headers: dict[str, str] | None = None) -> int:
    method = client.post if path in ACTIONS else client.get
    return int((await method(path, headers=headers or {})).status_code)


async def test_without_a_session_the_page_is_only_a_sign_in_form(client: Client) -> None:
    page = await client.get("/dashboard")

    assert page.status_code == 200
    assert 'action="/dashboard/session"' in page.text
    assert 'name="messages_key"' in page.text
    assert "Messages by status" not in page.text
    assert "overview" not in page.text


@pytest.mark.parametrize(
    "path", PARTS + ACTIONS + ["/dashboard/messages/0", "/dashboard/messages?status=lost&page=0"]
)
async def test_every_part_and_action_answers_401_without_a_session(
    client: Client, path: str
) -> None:
    assert await answers(client, path, DASHBOARD) == 401


@pytest.mark.parametrize("path", PARTS + ACTIONS)
async def test_every_part_and_action_answers_401_without_the_dashboard_header(
    client: Client, path: str
) -> None:
    await signed_in(client, scheduler=SCHEDULER_KEY)

    assert await answers(client, path) == 401


async def test_signing_in_sets_an_httponly_strict_cookie_that_holds_no_key(
    client: Client,
) -> None:
    answer = await signed_in(client, scheduler=SCHEDULER_KEY)

    assert answer.status_code == 200
    assert answer.headers["x-dashboard-reload"] == "1"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/dashboard" in cookie
    assert MESSAGES_KEY not in cookie
    assert SCHEDULER_KEY not in cookie
    assert "Messages by status" in (await client.get("/dashboard/overview", headers=DASHBOARD)).text


async def test_a_wrong_key_signs_nobody_in_and_says_which_key_is_wrong(client: Client) -> None:
    answer = await signed_in(client, scheduler="not-the-key")

    assert answer.status_code == 401
    assert "set-cookie" not in answer.headers
    assert "This is not the scheduler API key" in answer.text
    assert 'aria-invalid="true"' in answer.text


async def test_a_sign_in_without_any_key_is_refused(client: Client) -> None:
    answer = await signed_in(client, messages="")

    assert answer.status_code == 401
    assert "Enter at least one API key" in answer.text


async def test_a_sign_in_without_the_dashboard_header_is_refused(client: Client) -> None:
    answer = await client.post("/dashboard/session", data={"messages_key": MESSAGES_KEY})

    assert answer.status_code == 401
    assert "set-cookie" not in answer.headers


async def test_signing_out_clears_the_cookie(client: Client) -> None:
    await signed_in(client)

    answer = await client.post("/dashboard/session/end", headers=DASHBOARD)

    assert answer.status_code == 200
    assert (
        f'{COOKIE}="";' in answer.headers["set-cookie"]
        or "Max-Age=0" in answer.headers["set-cookie"]
    )
    assert await answers(client, "/dashboard/overview", DASHBOARD) == 401
    assert 'name="messages_key"' in (await client.get("/dashboard")).text


async def test_the_messages_key_alone_cannot_start_or_stop_the_scheduler(client: Client) -> None:
    await signed_in(client)

    assert await answers(client, "/dashboard/scheduler/start", DASHBOARD) == 401
    assert await answers(client, "/dashboard/scheduler/stop", DASHBOARD) == 401
    overview = await client.get("/dashboard/overview", headers=DASHBOARD)
    assert "Sign in with the scheduler API key" in overview.text


async def test_the_scheduler_key_alone_cannot_read_or_replay_messages(client: Client) -> None:
    await signed_in(client, messages="", scheduler=SCHEDULER_KEY)

    assert await answers(client, "/dashboard/messages", DASHBOARD) == 401
    assert await answers(client, "/dashboard/activity", DASHBOARD) == 401
    assert await answers(client, "/dashboard/replay/all", DASHBOARD) == 401
    overview = await client.get("/dashboard/overview", headers=DASHBOARD)
    assert "Sign in with the messages API key" in overview.text
    page = await client.get("/dashboard")
    assert "/dashboard/activity" not in page.text
    assert "/dashboard/messages" not in page.text


@pytest.mark.parametrize(
    "path", ["/dashboard", "/dashboard/overview", "/dashboard/assets/dashboard.js"]
)
async def test_dashboard_answers_carry_a_content_security_policy(client: Client, path: str) -> None:
    await signed_in(client)

    answer = await client.get(path, headers=DASHBOARD)

    assert answer.status_code == 200
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"


async def test_the_page_loads_nothing_from_another_origin(client: Client) -> None:
    await signed_in(client)

    page = (await client.get("/dashboard")).text

    for elsewhere in ("http:", "https:", 'src="//', 'href="//'):
        assert elsewhere not in page
