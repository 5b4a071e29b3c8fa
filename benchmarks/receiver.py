"""The fast local webhook receiver: nginx (Debian's nginx-light) answering every POST with a
static 202 `{"message":"Accepted","messageId":"<request id>"}`, one worker, no access log.
Without nginx, the product's own fake receiver
(`entrypoints.fake_receiver.run_fake_receiver`) stands in."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import msgspec

from benchmarks.processes import Child, ensure_debian_tool, free_port, venv_script, wait_for_port

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location / {{
            default_type application/json;
            return 202 '{{"message":"Accepted","messageId":"$request_id"}}';
        }}
    }}
}}
"""
PYTHON_RECEIVER = (
    "import asyncio, sys\n"
    "from entrypoints.fake_receiver import run_fake_receiver\n"
    "asyncio.run(run_fake_receiver('127.0.0.1', int(sys.argv[1])))\n"
)


class Receiver(msgspec.Struct, frozen=True, kw_only=True):
    url: str
    kind: str
    """"nginx" or "insider receiver"."""
    version: str
    pid: int


@asynccontextmanager
async def running_receiver(workdir: Path) -> AsyncIterator[Receiver]:
    """nginx when it is installed or can be installed, else the product's receiver
    (BENCH_RECEIVER=insider asks for the product's receiver)."""
    if os.environ.get("BENCH_RECEIVER") == "insider":
        nginx, why = None, "BENCH_RECEIVER=insider"
    else:
        nginx, why = ensure_debian_tool("nginx", "nginx-light")
    port = free_port()
    if nginx is not None:
        child, receiver = await _start_nginx(nginx, workdir, port)
    else:
        print(f"  nginx not available ({why}); falling back to `insider receiver`", flush=True)
        child = await Child.start(
            "insider receiver", receiver_command(port), workdir / "receiver.log"
        )
        receiver = Receiver(
            url=f"http://127.0.0.1:{port}/webhook",
            kind="insider receiver (aiohttp; nginx unavailable)",
            version="",
            pid=child.pid,
        )
    try:
        await wait_for_port(port, child)
        yield receiver
    finally:
        await child.stop(grace=10)


def receiver_command(port: int) -> list[str]:
    script = venv_script("insider")
    if script is not None:
        return [script, "receiver", "--host", "127.0.0.1", "--port", str(port)]
    return [sys.executable, "-c", PYTHON_RECEIVER, str(port)]


async def _start_nginx(nginx: str, workdir: Path, port: int) -> tuple[Child, Receiver]:
    root = workdir / "nginx"
    root.mkdir(parents=True, exist_ok=True)
    conf = root / "nginx.conf"
    conf.write_text(NGINX_CONF.format(root=root, port=port))
    version = await _nginx_version(nginx, workdir)
    child = await Child.start(
        "nginx",
        [nginx, "-p", str(root), "-c", str(conf), "-e", str(root / "error.log")],
        workdir / "nginx.out",
    )
    receiver = Receiver(
        url=f"http://127.0.0.1:{port}/webhook", kind="nginx", version=version, pid=child.pid
    )
    return child, receiver


async def _nginx_version(nginx: str, workdir: Path) -> str:
    probe = await Child.start("nginx -v", [nginx, "-v"], workdir / "nginx-version.out")
    await probe.process.wait()
    return probe.log.read_text().strip().removeprefix("nginx version: ")
