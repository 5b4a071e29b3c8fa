"""Child processes of a benchmark: free ports, start and wait, stop by pid, Debian tools."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import aiohttp

QUIET_ENV = {"PYTHONUNBUFFERED": "1", "PYTHONWARNINGS": "ignore"}
REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def venv_script(name: str) -> str | None:
    """A console script installed beside this interpreter, else one on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def ensure_debian_tool(binary: str, package: str) -> tuple[str | None, str]:
    """The tool's path, installing its Debian package when missing and allowed (root, and
    BENCH_NO_INSTALL unset); with the reason when it is not to be had."""
    found = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/usr/bin")
    if found:
        return found, "present"
    if os.environ.get("BENCH_NO_INSTALL"):
        return None, f"{binary} missing and BENCH_NO_INSTALL is set"
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return None, f"{binary} missing and apt-get cannot install {package} here"
    print(f"  installing {package} with apt-get", flush=True)
    quiet = {"DEBIAN_FRONTEND": "noninteractive", **os.environ}
    install = ["apt-get", "install", "-y", "-qq", package]
    if subprocess.run(install, env=quiet, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=quiet, capture_output=True, check=False)
        subprocess.run(install, env=quiet, capture_output=True, check=False)
    found = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/usr/bin")
    return (found, "installed") if found else (None, f"apt-get could not install {package}")


class Child:
    """A process started by the benchmark, its output kept in a log file."""

    def __init__(self, name: str, process: asyncio.subprocess.Process, log: Path) -> None:
        self.name = name
        self.process = process
        self.log = log

    @classmethod
    async def start(
        cls, name: str, argv: Sequence[str], log: Path, env: Mapping[str, str] | None = None
    ) -> Child:
        """Started in the repository root; `env`, when given, is the whole environment."""
        environment = {**(os.environ if env is None else env), **QUIET_ENV}
        with log.open("wb") as sink:
            process = await asyncio.create_subprocess_exec(
                *argv, stdout=sink, stderr=subprocess.STDOUT, env=environment, cwd=REPO_ROOT
            )
        return cls(name, process, log)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def exited(self) -> bool:
        return self.process.returncode is not None

    def tail(self, lines: int = 20) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def check_alive(self) -> None:
        if self.exited:
            raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.tail()}")

    async def stop(self, grace: float = 30.0, how: signal.Signals = signal.SIGTERM) -> int:
        """`how` (SIGTERM), then SIGKILL after `grace` seconds; returns the exit code."""
        if not self.exited:
            self.process.send_signal(how)
            try:
                await asyncio.wait_for(self.process.wait(), grace)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        return self.process.returncode or 0


async def wait_for_port(port: int, child: Child, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        child.check_alive()
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise TimeoutError(f"{child.name} did not listen on port {port} within {within:g} s")


async def wait_for_http(url: str, child: Child, within: float = 60.0) -> None:
    """Until `url` answers 200 (a service whose lifespan has finished starting)."""
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            child.check_alive()
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError(f"{child.name} did not answer {url} within {within:g} s")
