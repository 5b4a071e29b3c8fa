"""Start the processes of one test, and stop every one of them however the test ends."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from e2e.processes import INSIDER, Process, Receiver, Service


class Launcher:
    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[Process] = []

    def receiver(self, *options: str, port: int | None = None) -> Receiver:
        """Started but not awaited: `service()` or `ready()` waits for it, so both boot at once."""
        receiver = Receiver(self.log_dir, *options, port=port, wait=False)
        self.started.append(receiver)
        return receiver

    def service(self, env: Mapping[str, str], *options: str) -> Service:
        """`insider serve` with `options` (such as `--workers 2`)."""
        [service] = self.services(env, 1, *options)
        return service

    def services(self, env: Mapping[str, str], count: int, *options: str) -> list[Service]:
        """`count` services on the same settings, booted at once, each on a port of its own."""
        services = [Service(self.log_dir, env, *options, wait=False) for _ in range(count)]
        self.started.extend(services)
        self.ready()
        return services

    def ready(self) -> None:
        for process in self.started:
            if process.alive:
                process.ready()

    def seed(self, env: Mapping[str, str], count: int) -> None:
        """`insider seed`: `count` pending messages stored straight into the database."""
        completed = subprocess.run(
            [INSIDER, "seed", "--count", str(count)],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr

    def stop_all(self) -> None:
        """SIGTERM each process still running, SIGKILL any that will not stop."""
        for process in reversed(self.started):
            if process.popen.returncode is not None:
                continue
            try:
                process.stop()
            except Exception:
                process.popen.kill()
                process.popen.wait(5)
