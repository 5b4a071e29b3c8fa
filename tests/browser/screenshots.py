"""The README's screenshots of the dashboard, taken from a real service after a few minutes
of traffic to a receiver that fails some sends:

    .nox/tests/bin/python tests/browser/screenshots.py docs --minutes 4
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from browser.conftest import CHROMIUM, create
from e2e.launcher import Launcher
from e2e.processes import MESSAGES_KEY, SCHEDULER_KEY, Service

PHONES = ["+905551110001", "+905551110002", "+14155550123", "+447700900123", "+4915112345678"]
TEXTS = [
    "Your code is {n}",
    "Your parcel {n} arrives today between 14:00 and 16:00",
    "Reminder: your appointment is tomorrow at 10:{n:02d}",
    "Payment of {n} TL received, thank you",
]


def traffic(service: Service, minutes: float) -> None:
    deadline = time.monotonic() + minutes * 60
    n = 0
    while time.monotonic() < deadline:
        for _ in range(random.randint(5, 40)):
            n += 1
            create(service, random.choice(PHONES), random.choice(TEXTS).format(n=n % 100))
        time.sleep(10)


def shoot(service: Service, folder: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(f"http://localhost:{service.port}/dashboard")
        page.get_by_label("Messages API key").fill(MESSAGES_KEY)
        page.get_by_label("Scheduler API key").fill(SCHEDULER_KEY)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Messages by status").wait_for()
        page.get_by_label("Status", exact=True).select_option("failed")
        page.get_by_role("button", name="Search", exact=True).click()
        page.locator("tr[data-message] a").first.click()
        page.locator("table.attempts").wait_for()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(folder / "dashboard-laptop.png"), full_page=True)
        page.set_viewport_size({"width": 375, "height": 812})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(folder / "dashboard-phone.png"))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--minutes", type=float, default=4)
    options = parser.parse_args()
    options.folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        launcher = Launcher(Path(workdir))
        try:
            receiver = launcher.receiver("--failure-rate", "0.12", "--latency", "0.05")
            service = launcher.service(
                {
                    "DATABASE_URL": f"sqlite:///{workdir}/messages.db",
                    "WEBHOOK_URL": receiver.webhook_url,
                    "MESSAGE_SEND_INTERVAL_SECONDS": "2",
                    "MESSAGE_BATCH_SIZE": "4",
                    "MAX_ATTEMPTS": "2",
                    "RETRY_BASE_SECONDS": "5",
                    "AUTO_START_SCHEDULER": "true",
                }
            )
            traffic(service, options.minutes)
            shoot(service, options.folder)
        finally:
            launcher.stop_all()


if __name__ == "__main__":
    main()
