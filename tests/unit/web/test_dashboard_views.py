"""What the dashboard shows and does, over the memory adapters."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from html import unescape
from typing import Any

import pytest

from adapters.memory import ManualClock, ScriptedSender
from adapters.memory.sender import accept, respond
from conftest import MESSAGES_AUTH, MESSAGES_KEY, SCHEDULER_KEY, Client
from entrypoints.web.dashboard.views import receiver_of

DASHBOARD = {"x-dashboard": "1"}
Create = Callable[..., Awaitable[dict[str, Any]]]
RunBatch = Callable[[], Awaitable[list[Any]]]


@pytest.fixture
async def operator(client: Client) -> Client:
    """The client, signed in to the dashboard with both keys."""
    answer = await client.post(
        "/dashboard/session",
        data={"messages_key": MESSAGES_KEY, "scheduler_key": SCHEDULER_KEY},
        headers=DASHBOARD,
    )
    assert answer.status_code == 200
    return client


async def part(client: Client, path: str) -> str:
    answer = await client.get(path, headers=DASHBOARD)
    assert answer.status_code == 200, answer.text
    return str(answer.text)


async def search(client: Client, typed: str, **form: str) -> str:
    """The search box: the text typed goes in a POST body, never in the URL."""
    answer = await client.post("/dashboard/messages", data={"q": typed, **form}, headers=DASHBOARD)
    assert answer.status_code == 200, answer.text
    return str(answer.text)


async def act(client: Client, path: str, form: dict[str, str] | None = None) -> Any:
    return await client.post(path, data=form or {}, headers=DASHBOARD)


def shown_count(html: str, status: str) -> int:
    found = re.search(rf'data-count="{status}">([\d,]+)<', html)
    assert found, html
    return int(found[1].replace(",", ""))


async def fail(
    create_message: Create, run_batch: RunBatch, sender: ScriptedSender, **kw: Any
) -> int:
    created = await create_message(**kw)
    sender.script = respond(400)
    await run_batch()
    sender.script = accept
    return int(created["id"])


async def test_the_overview_counts_messages_by_status(
    operator: Client, create_message: Create, run_batch: RunBatch, sender: ScriptedSender
) -> None:
    await fail(create_message, run_batch, sender)
    for _ in range(3):
        await create_message()

    html = await part(operator, "/dashboard/overview")

    assert shown_count(html, "pending") == 3
    assert shown_count(html, "failed") == 1
    assert shown_count(html, "sent") == 0
    assert shown_count(html, "total") == 4


async def test_the_chart_draws_the_attempts_of_the_last_minutes_from_the_store(
    operator: Client,
    create_message: Create,
    run_batch: RunBatch,
    sender: ScriptedSender,
    clock: ManualClock,
) -> None:
    await fail(create_message, run_batch, sender)
    clock.advance(60)
    await create_message()
    await create_message()
    await run_batch()

    html = await part(operator, "/dashboard/activity")

    assert "15 minutes: 2 accepted, 1 failed" in html
    assert html.count('<rect class="accepted"') == 15
    assert re.search(r"this minute so far 2, the one before 1", html)


async def test_the_overview_shows_the_scheduler_and_starts_and_stops_it(
    operator: Client,
) -> None:
    assert 'data-scheduler="stopped"' in await part(operator, "/dashboard/overview")

    started = await act(operator, "/dashboard/scheduler/start")
    assert 'data-scheduler="running"' in started.text
    assert "Scheduler started" in started.text

    stopped = await act(operator, "/dashboard/scheduler/stop")
    assert 'data-scheduler="stopped"' in stopped.text
    assert "Scheduler stopped" in stopped.text


async def test_the_overview_shows_the_receiver_breaker(operator: Client) -> None:
    html = await part(operator, "/dashboard/overview")

    assert 'data-breaker="closed"' in html


def test_a_status_without_a_breaker_shows_it_as_unknown() -> None:
    assert receiver_of({"running": True}) is None
    assert receiver_of({"receiver": {"state": "melting"}}) is None
    shown = {"state": "open", "since": None, "reason": "5 of 5 failed", "pausedUntil": None}
    assert receiver_of({"receiver": shown}) == shown


async def test_messages_are_listed_newest_first_in_pages(
    operator: Client, create_message: Create
) -> None:
    for n in range(25):
        await create_message(content=f"message {n}")

    first = await part(operator, "/dashboard/messages")
    second = await part(operator, "/dashboard/messages?page=2")

    assert re.findall(r'data-message="(\d+)"', first)[:2] == ["25", "24"]
    assert re.findall(r'data-message="(\d+)"', second) == ["5", "4", "3", "2", "1"]
    assert "Page 1 of 2" in first


async def test_messages_are_listed_by_status(
    operator: Client, create_message: Create, run_batch: RunBatch, sender: ScriptedSender
) -> None:
    failed = await fail(create_message, run_batch, sender)
    await create_message()

    html = await part(operator, "/dashboard/messages?status=failed")

    assert re.findall(r'data-message="(\d+)"', html) == [str(failed)]


async def test_a_search_by_phone_number_finds_only_that_numbers_messages(
    operator: Client, create_message: Create
) -> None:
    await create_message(phone="+905550000001")
    wanted = await create_message(phone="+905550000002")
    await create_message(phone="+905550000001")

    html = await search(operator, "+90 555 000 00 02")

    assert re.findall(r'data-message="(\d+)"', html) == [str(wanted["id"])]
    assert "1 message" in html


async def test_a_search_by_id_finds_that_message(operator: Client, create_message: Create) -> None:
    await create_message()
    wanted = await create_message()

    html = await search(operator, f"#{wanted['id']}")

    assert re.findall(r'data-message="(\d+)"', html) == [str(wanted["id"])]


@pytest.mark.parametrize("typed", ["hello", "+12", "99999999999999999999999"])
async def test_a_search_that_is_neither_an_id_nor_a_phone_number_says_how_to_search(
    operator: Client, typed: str
) -> None:
    html = await search(operator, typed)

    assert "Search by a message id" in html
    assert "data-message=" not in html


async def test_the_pages_of_a_search_are_posted_with_it_and_keep_it_out_of_their_urls(
    operator: Client, create_message: Create
) -> None:
    for n in range(25):
        await create_message(content=f"message {n}", phone="+905550000003")

    first = await search(operator, "+905550000003")
    [body] = re.findall(r'data-body="([^"]+)"', first)
    second = await operator.post(
        "/dashboard/messages",
        content=unescape(body),
        headers={**DASHBOARD, "content-type": "application/x-www-form-urlencoded"},
    )

    assert "905550000003" not in "".join(re.findall(r'href="([^"]+)"', first))
    assert len(re.findall(r'data-message="(\d+)"', second.text)) == 5
    assert "Page 2 of 2" in second.text


async def test_the_search_box_posts_what_is_typed(operator: Client) -> None:
    page = (await operator.get("/dashboard")).text

    [form] = re.findall(r'<form id="search"[^>]*>', page)
    assert 'method="post"' in form


async def test_a_search_with_an_unknown_status_or_field_is_a_422(operator: Client) -> None:
    for form in ({"status": "lost"}, {"page": "0"}, {"phone": "+905551112233"}):
        answer = await operator.post("/dashboard/messages", data=form, headers=DASHBOARD)
        assert answer.status_code == 422, form


async def test_an_unknown_status_filter_is_a_422(operator: Client) -> None:
    answer = await operator.get("/dashboard/messages?status=lost", headers=DASHBOARD)

    assert answer.status_code == 422


async def test_a_message_shows_its_attempt_log_as_the_api_does(
    operator: Client, create_message: Create, run_batch: RunBatch, sender: ScriptedSender
) -> None:
    message_id = await fail(create_message, run_batch, sender)
    api = await operator.get(f"/api/v1/messages/{message_id}/attempts", headers=MESSAGES_AUTH)
    [attempt] = api.json()["data"]

    html = await part(operator, f"/dashboard/messages/{message_id}")

    assert f"Message #{message_id}" in html
    assert html.count("<tr>") == 2  # the header and one attempt
    assert f'<span class="badge status-failed">{attempt["httpStatus"]}</span>' in html
    assert attempt["detail"] in html
    assert f"Replay message {message_id}" in html


async def test_an_unknown_message_says_so(operator: Client) -> None:
    answer = await operator.get("/dashboard/messages/999", headers=DASHBOARD)

    assert answer.status_code == 404
    assert "There is no message 999" in answer.text


async def test_replaying_a_failed_message_makes_it_pending(
    operator: Client, create_message: Create, run_batch: RunBatch, sender: ScriptedSender
) -> None:
    message_id = await fail(create_message, run_batch, sender)

    answer = await act(operator, f"/dashboard/messages/{message_id}/replay")

    assert f"Message {message_id} replayed" in answer.text
    assert answer.headers["x-dashboard-refresh"] == "overview messages"
    api = await operator.get(f"/api/v1/messages/{message_id}", headers=MESSAGES_AUTH)
    assert api.json()["data"]["status"] == "pending"


async def test_replaying_a_message_that_is_not_failed_says_why_and_changes_nothing(
    operator: Client, create_message: Create
) -> None:
    created = await create_message()

    answer = await act(operator, f"/dashboard/messages/{created['id']}/replay")

    assert answer.status_code == 200
    assert "is pending, only failed messages can be replayed" in answer.text
    assert "Replay message" not in answer.text


async def test_replay_all_shows_the_dry_run_count_and_changes_nothing_until_confirmed(
    operator: Client, create_message: Create, run_batch: RunBatch, sender: ScriptedSender
) -> None:
    for _ in range(2):
        await fail(create_message, run_batch, sender)

    preview = await act(operator, "/dashboard/replay/preview")

    assert 'data-dry-run="2"' in preview.text
    assert "Replay 2 messages" in preview.text
    assert shown_count(await part(operator, "/dashboard/overview"), "failed") == 2

    done = await act(operator, "/dashboard/replay/all")

    assert "2 failed messages replayed" in done.text
    overview = await part(operator, "/dashboard/overview")
    assert shown_count(overview, "failed") == 0
    assert shown_count(overview, "pending") == 2


async def test_replay_of_what_failed_lately_counts_and_replays_only_those(
    operator: Client,
    create_message: Create,
    run_batch: RunBatch,
    sender: ScriptedSender,
    clock: ManualClock,
) -> None:
    await fail(create_message, run_batch, sender)
    clock.advance(2 * 3600)
    lately = await fail(create_message, run_batch, sender)

    preview = await act(operator, "/dashboard/replay/preview", {"since_minutes": "60"})

    assert 'data-dry-run="1"' in preview.text
    since = re.search(r'name="since" value="([^"]+)"', preview.text)
    assert since, preview.text
    done = await act(operator, "/dashboard/replay/all", {"since": since[1]})
    assert "1 failed message replayed" in done.text
    api = await operator.get(f"/api/v1/messages/{lately}", headers=MESSAGES_AUTH)
    assert api.json()["data"]["status"] == "pending"
    assert shown_count(await part(operator, "/dashboard/overview"), "failed") == 1


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/dashboard/replay/preview", {"since_minutes": "7"}),
        ("/dashboard/replay/all", {"since": "yesterday"}),
        ("/dashboard/replay/all", {"since": "2026-01-01T00:00:00"}),
    ],
)
async def test_a_replay_window_the_page_does_not_offer_is_a_422(
    operator: Client, path: str, form: dict[str, str]
) -> None:
    answer = await act(operator, path, form)

    assert answer.status_code == 422
    assert list(answer.json()["details"]) == list(form)


async def test_replay_all_with_nothing_failed_offers_nothing_to_confirm(operator: Client) -> None:
    preview = await act(operator, "/dashboard/replay/preview")

    assert "No failed message to replay" in preview.text
    assert "/dashboard/replay/all" not in preview.text


async def test_what_a_message_says_is_shown_as_text_never_as_markup(
    operator: Client, create_message: Create
) -> None:
    created = await create_message(content="<script>alert(1)</script>")

    listing = await part(operator, "/dashboard/messages")
    detail = await part(operator, f"/dashboard/messages/{created['id']}")

    for html in (listing, detail):
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
