"""The operator dashboard in Debian's chromium, against a real service."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from browser.conftest import FAILED_PHONE, fail_one
from e2e.launcher import Launcher
from e2e.processes import MESSAGES_KEY, SCHEDULER_KEY, Service

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 812}
SCREENSHOTS = os.environ.get("DASHBOARD_SCREENSHOTS")


def origin(service: Service) -> str:
    """The service as the browser sees it: `localhost`, so a page on 127.0.0.1 is another
    site."""
    return f"http://localhost:{service.port}"


@pytest.fixture
def requests_seen() -> list[str]:
    return []


@pytest.fixture
def page(browser: Any, service: Service, requests_seen: list[str]) -> Iterator[Any]:
    """A fresh browser profile on the dashboard; every request it makes is recorded, and
    one to anywhere but the service is refused."""
    context = browser.new_context(viewport=LAPTOP)
    home = origin(service)

    def only_the_service(route: Any) -> None:
        requests_seen.append(route.request.url)
        if route.request.url.startswith(home + "/"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_the_service)
    opened = context.new_page()
    opened.goto(home + "/dashboard")
    yield opened
    context.close()


def sign_in(page: Any) -> None:
    page.get_by_label("Messages API key").fill(MESSAGES_KEY)
    page.get_by_label("Scheduler API key").fill(SCHEDULER_KEY)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Messages by status").wait_for()


def count_shown(page: Any, status: str) -> int:
    return int(page.locator(f"[data-count='{status}']").inner_text().replace(",", ""))


def action_status(page: Any, path: str) -> int:
    """What the service answers the page's own script asking for an action."""
    return int(
        page.evaluate(
            """async (path) => (await fetch(path, {method: "POST",
                 headers: {"x-dashboard": "1"}})).status""",
            path,
        )
    )


def test_an_operator_finds_a_failed_message_by_phone_and_replays_it(
    page: Any, service: Service, requests_seen: list[str]
) -> None:
    sign_in(page)
    stats = service.stats()
    for status in ("pending", "sent", "failed"):
        assert count_shown(page, status) == stats[status]
    page.locator("[data-breaker]").wait_for()

    page.get_by_label("Find by message id or phone number").fill(FAILED_PHONE)
    page.get_by_role("button", name="Search", exact=True).click()
    page.locator(f"[data-search='{FAILED_PHONE}']").wait_for()
    row = page.locator("tr[data-message]")
    assert row.count() == 1
    page.evaluate("load(document.querySelector('#messages'))")  # what the timer does
    page.wait_for_load_state("networkidle")
    assert page.locator(f"[data-search='{FAILED_PHONE}']").count() == 1
    assert row.count() == 1
    message_id = int(row.get_attribute("data-message") or 0)
    row.get_by_role("link", name=f"Open message {message_id}").click()

    attempts = page.locator("table.attempts tbody tr")
    attempts.first.wait_for()
    assert attempts.count() == len(service.attempts(message_id)) == 1
    assert "injected" in attempts.first.inner_text()
    if SCREENSHOTS:
        take_screenshots(page, Path(SCREENSHOTS))

    page.get_by_role("button", name=f"Replay message {message_id}").click()
    page.get_by_text(f"Message {message_id} replayed").wait_for()
    assert service.message(message_id)["status"] == "pending"
    assert page.locator("[data-detail-status]").inner_text() == "pending"

    assert requests_seen
    assert all(url.startswith(origin(service) + "/") for url in requests_seen), requests_seen
    assert not any(FAILED_PHONE.strip("+") in url for url in requests_seen), requests_seen


def take_screenshots(page: Any, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(folder / "dashboard-laptop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(folder / "dashboard-phone.png"))
    page.set_viewport_size(LAPTOP)


def test_replaying_all_shows_the_dry_run_count_first_and_replays_only_when_confirmed(
    page: Any, service: Service
) -> None:
    fail_one(service)
    sign_in(page)
    failed = service.stats()["failed"]

    page.get_by_role("button", name="Replay failed…").click()
    dry_run = page.locator("[data-dry-run]")
    dry_run.wait_for()

    assert int(dry_run.get_attribute("data-dry-run") or 0) == failed
    assert service.stats()["failed"] == failed
    page.get_by_role("button", name="Cancel").click()
    assert service.stats()["failed"] == failed

    page.get_by_role("button", name="Replay failed…").click()
    page.get_by_role("button", name=re.compile(r"^Replay [\d,]+ messages?$")).click()
    page.get_by_text(re.compile(r"failed messages? replayed")).wait_for()
    assert service.stats()["failed"] == 0


def test_without_keys_the_page_shows_only_a_sign_in_form_and_every_action_is_refused(
    page: Any,
) -> None:
    assert page.get_by_role("button", name="Sign in").is_visible()
    assert page.get_by_role("heading", name="Messages by status").count() == 0
    for path in (
        "/dashboard/replay/all",
        "/dashboard/scheduler/stop",
        "/dashboard/messages/1/replay",
    ):
        assert action_status(page, path) == 401


def test_a_wrong_key_is_refused_and_nothing_is_shown(page: Any) -> None:
    page.get_by_label("Messages API key").fill("not-the-key")
    page.get_by_role("button", name="Sign in").click()

    page.get_by_text("This is not the messages API key").wait_for()
    assert page.context.cookies() == []
    assert action_status(page, "/dashboard/replay/preview") == 401


def test_the_keys_stay_out_of_urls_and_out_of_reach_of_scripts(
    page: Any, requests_seen: list[str]
) -> None:
    sign_in(page)
    [cookie] = page.context.cookies()

    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert MESSAGES_KEY not in cookie["value"]
    assert SCHEDULER_KEY not in cookie["value"]
    assert page.evaluate("document.cookie") == ""
    assert not any(key in url for url in requests_seen for key in (MESSAGES_KEY, SCHEDULER_KEY))


def test_signing_out_forgets_the_keys(page: Any) -> None:
    sign_in(page)

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for()

    assert page.context.cookies() == []
    assert action_status(page, "/dashboard/replay/preview") == 401
    page.reload()
    assert page.get_by_role("button", name="Sign in").is_visible()


class AttackerPage(BaseHTTPRequestHandler):
    """A page that posts a form to the dashboard as soon as it opens."""

    target = ""

    def do_GET(self) -> None:
        body = (
            f'<form id="f" method="post" action="{self.target}">'
            '<input name="x" value="1"></form>'
            "<script>document.getElementById('f').submit()</script>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def attacker(service: Service) -> Iterator[str]:
    AttackerPage.target = origin(service) + "/dashboard/replay/all"
    server = ThreadingHTTPServer(("127.0.0.1", 0), AttackerPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"{server.server_address[0]}:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"], ids=["cross-site", "same-site"])
def test_a_form_on_another_page_cannot_act_with_a_signed_in_session(
    browser: Any, service: Service, attacker: str, host: str
) -> None:
    """Another site's form is sent without the cookie (SameSite=Strict); another port of the
    same host gets the cookie but cannot add the header the dashboard requires."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(origin(service) + "/dashboard")
        sign_in(page)
        failed = fail_one(service)

        port = attacker.rsplit(":", 1)[1]
        with page.expect_response(lambda r: r.url.endswith("/dashboard/replay/all")) as answer:
            page.goto(f"http://{host}:{port}/")
        assert answer.value.status == 401
        assert service.message(failed["id"])["status"] == "failed"
    finally:
        context.close()


UNNAMED_CONTROLS = """() => [...document.querySelectorAll("input, select, button, a[href]")]
    .filter((el) => el.offsetParent !== null)
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                    && !el.textContent.trim())
    .map((el) => el.outerHTML)"""


def test_every_control_has_an_accessible_name(page: Any, service: Service) -> None:
    assert page.evaluate(UNNAMED_CONTROLS) == []
    sign_in(page)
    page.locator("tr[data-message] a").first.click()
    page.locator("table.attempts, #detail .empty").first.wait_for()
    page.get_by_role("button", name="Replay failed…").click()
    page.locator(".confirm").wait_for()

    assert page.evaluate(UNNAMED_CONTROLS) == []
    assert page.locator("svg.chart[role=img] > title").count() == 1


def test_the_scheduler_card_shows_the_whole_service_and_each_live_instance(
    page: Any, service: Service, store_url: str, tmp_path: Path
) -> None:
    launcher = Launcher(tmp_path)
    try:
        other = launcher.service({"DATABASE_URL": store_url})
        sign_in(page)
        card = page.locator(".scheduler-card")
        card.locator("[data-instances='2']").wait_for()

        entries = card.locator("[data-instance]")
        texts = [entries.nth(n).inner_text() for n in range(entries.count())]
        assert len(texts) == 2
        assert f"pid {service.popen.pid}" in texts[0]
        assert f"pid {other.popen.pid}" in texts[1]
        assert all("stopped" in text for text in texts)
        assert card.get_by_role("heading", name=re.compile("the whole service")).count() == 1
    finally:
        launcher.stop_all()
