"""A real HTTP server on 127.0.0.1 that answers as each test scripts it, and keeps every
request it received."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Awaitable, Callable

import msgspec
from aiohttp import web
from aiohttp.test_utils import TestServer

Reply = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ReceivedRequest(msgspec.Struct, frozen=True):
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedWebhook:
    def __init__(self) -> None:
        self.received: list[ReceivedRequest] = []
        self.reply: Reply = answer(202, {"message": "Accepted", "messageId": "wh-1"})
        app = web.Application()
        app.router.add_post("/{path:.*}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")

    @property
    def url(self) -> str:
        return str(self.server.make_url("/webhook"))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.received.append(ReceivedRequest(request.path, dict(request.headers), body))
        return await self.reply(request)


def answer(
    status: int,
    json: object = None,
    *,
    text: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    async def reply(request: web.Request) -> web.StreamResponse:
        if text is not None:
            return web.Response(status=status, text=text, headers=headers)
        return web.json_response(json, status=status, headers=headers)

    return reply


def after(seconds: float, then: Reply) -> Reply:
    async def reply(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(seconds)
        return await then(request)

    return reply


async def hang_up(request: web.Request) -> web.StreamResponse:
    """Close the connection without answering."""
    assert request.transport is not None
    request.transport.close()
    return web.Response(status=499)


async def reset(request: web.Request) -> web.StreamResponse:
    """Abort the connection with a TCP reset (SO_LINGER 0)."""
    assert request.transport is not None
    sock = request.transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    request.transport.abort()
    return web.Response(status=499)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/webhook"
