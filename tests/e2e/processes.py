"""Real `insider serve` and `insider receiver` processes, and a small JSON client for them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from e2e.tcp_proxy import free_port

INSIDER = str(Path(sys.executable).with_name("insider"))
MESSAGES_KEY = "e2e-messages-key"
SCHEDULER_KEY = "e2e-scheduler-key"


def call(
    base_url: str,
    method: str,
    path: str,
    body: Any = None,
    *,
    key: str | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10,
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base_url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if key is not None:
        request.add_header("x-ins-auth-key", key)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        payload = error.read()
        return error.code, json.loads(payload) if payload else None


def wait_until(
    predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.05
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Process:
    """An `insider` subcommand with its output in `log`; `ready()` waits until it answers."""

    def __init__(self, args: list[str], env: Mapping[str, str], log: Path) -> None:
        self.log = log
        self._log_file = log.open("wb")
        self.popen = subprocess.Popen(
            [INSIDER, *args],
            env={**os.environ, **env},
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def answers(self) -> bool:
        raise NotImplementedError

    def ready(self, timeout: float = 30) -> None:
        def answering() -> bool:
            if not self.alive:
                raise AssertionError(f"{self.log.name} exited early:\n{self.output()}")
            return self.answers()

        wait_until(answering, timeout, f"{self.log.name} to answer")

    def signal(self, number: int) -> None:
        self.popen.send_signal(number)

    def kill(self) -> int:
        """SIGKILL: no shutdown code runs, as in a crash or an OOM kill."""
        self.popen.kill()
        return self.wait(10)

    def wait(self, timeout: float = 30) -> int:
        try:
            return self.popen.wait(timeout)
        finally:
            self._log_file.close()

    def stop(self) -> int:
        if self.alive:
            self.signal(signal.SIGTERM)
            try:
                return self.wait(30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
        return self.wait(5)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class Receiver(Process):
    def __init__(
        self, log_dir: Path, *options: str, port: int | None = None, wait: bool = True
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(
            ["receiver", "--port", str(self.port), *options],
            {},
            log_dir / f"receiver-{self.port}-{time.monotonic_ns()}.log",
        )
        if wait:
            self.ready(20)

    def answers(self) -> bool:
        return call(self.url, "GET", "/stats")[0] == 200

    @property
    def webhook_url(self) -> str:
        return self.url + "/webhook"

    def stats(self) -> dict[str, Any]:
        return dict(call(self.url, "GET", "/stats")[1])


class Service(Process):
    def __init__(
        self, log_dir: Path, env: Mapping[str, str], *options: str, wait: bool = True
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        settings = {
            "MESSAGES_API_KEY": MESSAGES_KEY,
            "SCHEDULER_API_KEY": SCHEDULER_KEY,
            "AUTO_START_SCHEDULER": "false",
            "LOG_FORMAT": "json",
            **env,
        }
        super().__init__(
            ["serve", "--host", "127.0.0.1", "--port", str(self.port), *options],
            settings,
            log_dir / f"service-{self.port}.log",
        )
        if wait:
            self.ready()

    def answers(self) -> bool:
        return self.health()[0] in (200, 503)

    def health(self) -> tuple[int, Any]:
        return call(self.url, "GET", "/health")

    def messages(self, method: str, path: str = "", body: Any = None, **kw: Any) -> tuple[int, Any]:
        return call(self.url, method, "/api/v1/messages" + path, body, key=MESSAGES_KEY, **kw)

    def scheduler(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return call(self.url, method, "/api/v1/scheduler" + path, body, key=SCHEDULER_KEY)

    def stats(self) -> dict[str, int]:
        return dict(self._data(self.messages("GET", "/stats")))

    def create(self, count: int = 1) -> list[dict[str, Any]]:
        return [
            self._data(
                self.messages("POST", "", {"content": f"hello {n}", "phoneNumber": "+905551234567"})
            )
            for n in range(count)
        ]

    def message(self, message_id: int) -> dict[str, Any]:
        return dict(self._data(self.messages("GET", f"/{message_id}")))

    def attempts(self, message_id: int) -> list[dict[str, Any]]:
        return list(self._data(self.messages("GET", f"/{message_id}/attempts")))

    def scheduler_status(self) -> dict[str, Any]:
        return dict(self._data(self.scheduler("GET", "/status")))

    def wait_for(self, message_id: int, status: str, timeout: float = 20) -> dict[str, Any]:
        wait_until(
            lambda: self.message(message_id)["status"] == status,
            timeout,
            f"message {message_id} to be {status} (log: {self.log})",
        )
        return self.message(message_id)

    @staticmethod
    def _data(answer: tuple[int, Any]) -> Any:
        status, body = answer
        assert status in (200, 201), (status, body)
        return body["data"]
