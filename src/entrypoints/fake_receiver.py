"""The fake webhook receiver of `insider receiver` and `insider demo`, for trying and testing
the service (never the real receiver): accepts every message with a fresh messageId, counts
duplicates by Idempotency-Key, and injects failures, latency and dropped connections on
request."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable
from random import Random
from typing import Annotated

import msgspec
from aiohttp import web

DUPLICATE_KEYS_SHOWN = 100
ARRIVALS_KEPT = 1_000_000


class FakeReceiverOptions(msgspec.Struct, frozen=True, kw_only=True):
    failure_rate: float = 0.0
    """Share of requests answered `fail_status` instead of 202, 0..1."""
    fail_status: int = 500
    latency_seconds: float = 0.0
    always_status: int | None = None
    """Answer every request with this status (fault tests)."""
    retry_after: str | None = None
    """`Retry-After` header sent with every answer that is not 202."""
    close_connection_rate: float = 0.0
    """Share of requests whose connection is dropped without an answer, 0..1."""
    messageless: bool = False
    """Answer 202 without a messageId."""
    non_json: bool = False
    """Answer 202 with a plain-text body."""
    redirect_to: str | None = None
    """Answer every request 307 with this Location (a receiver that tries to send the
    request, its keys included, somewhere else)."""
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("failure_rate", "close_connection_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        for status in (self.fail_status, self.always_status):
            if status is not None and not 100 <= status <= 599:
                raise ValueError(f"HTTP status {status} is out of range")
        if self.latency_seconds < 0:
            raise ValueError("latency_seconds must not be negative")


class FakeReceiverStats:
    def __init__(self) -> None:
        self.requests = 0
        self.accepted = 0
        self.failed = 0
        self.dropped = 0
        self.without_key = 0
        self.by_key: Counter[str] = Counter()
        self.accepted_by_key: Counter[str] = Counter()
        self.arrivals: list[float] = []
        """When each request arrived (Unix time), the first ARRIVALS_KEPT of them."""

    @property
    def unique(self) -> int:
        return len(self.by_key)

    @property
    def duplicates(self) -> int:
        """Requests that repeated an Idempotency-Key already seen."""
        return sum(self.by_key.values()) - len(self.by_key)

    @property
    def accepted_duplicates(self) -> int:
        """Requests answered 202 for a key that had been answered 202 before: a message
        delivered twice."""
        return sum(self.accepted_by_key.values()) - len(self.accepted_by_key)

    def to_json(self) -> dict[str, object]:
        repeated = {key: n for key, n in self.by_key.most_common(DUPLICATE_KEYS_SHOWN) if n > 1}
        return {
            "requests": self.requests,
            "accepted": self.accepted,
            "failed": self.failed,
            "dropped": self.dropped,
            "withoutKey": self.without_key,
            "unique": self.unique,
            "duplicates": self.duplicates,
            "acceptedDuplicates": self.accepted_duplicates,
            "duplicateKeys": repeated,
        }


FAKE_RECEIVER_STATS = web.AppKey("receiver_stats", FakeReceiverStats)


class FakeReceiverControl(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """What `POST /control` may change while the receiver runs (an outage on demand)."""

    always_status: Annotated[int, msgspec.Meta(ge=100, le=599)] | None = None


class FakeReceiver:
    def __init__(self, options: FakeReceiverOptions, stats: FakeReceiverStats) -> None:
        self.options = options
        self.stats = stats
        self.rng = Random(options.seed)

    async def control(self, request: web.Request) -> web.Response:
        try:
            change = msgspec.json.decode(await request.read(), type=FakeReceiverControl)
            self.options = msgspec.structs.replace(self.options, always_status=change.always_status)
        except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as error:
            return web.json_response({"error": str(error)}, status=422)
        return web.json_response({"alwaysStatus": self.options.always_status})

    async def arrivals(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats.arrivals)

    async def receive(self, request: web.Request) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        self._count(key)
        await request.read()
        if self.options.latency_seconds:
            await asyncio.sleep(self.options.latency_seconds)
        if self._chance(self.options.close_connection_rate) and request.transport is not None:
            self.stats.dropped += 1
            request.transport.close()
            return web.Response(status=499)
        if self.options.redirect_to is not None:
            self.stats.failed += 1
            return web.Response(status=307, headers={"Location": self.options.redirect_to})
        if self.options.always_status is not None and self.options.always_status != 202:
            return self._fail(self.options.always_status)
        if self._chance(self.options.failure_rate):
            return self._fail(self.options.fail_status)
        return self._accept(key)

    async def report(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats.to_json())

    def _count(self, key: str | None) -> None:
        self.stats.requests += 1
        if len(self.stats.arrivals) < ARRIVALS_KEPT:
            self.stats.arrivals.append(time.time())
        if key:
            self.stats.by_key[key] += 1
        else:
            self.stats.without_key += 1

    def _chance(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate

    def _fail(self, status: int) -> web.Response:
        self.stats.failed += 1
        headers = {"Retry-After": self.options.retry_after} if self.options.retry_after else None
        return web.json_response({"message": "Failure injected"}, status=status, headers=headers)

    def _accept(self, key: str | None) -> web.Response:
        self.stats.accepted += 1
        if key:
            self.stats.accepted_by_key[key] += 1
        if self.options.non_json:
            return web.Response(status=202, text="Accepted")
        if self.options.messageless:
            return web.json_response({"message": "Accepted"}, status=202)
        return web.json_response(
            {"message": "Accepted", "messageId": str(uuid.uuid4())}, status=202
        )


def build_fake_receiver_app(options: FakeReceiverOptions | None = None) -> web.Application:
    """POST on any path receives a message; GET /stats reports what was received, GET
    /arrivals when each request arrived; POST /control `{"alwaysStatus": 503}` answers every
    request with that status until `{"alwaysStatus": null}`."""
    app = web.Application()
    app[FAKE_RECEIVER_STATS] = stats = FakeReceiverStats()
    receiver = FakeReceiver(options or FakeReceiverOptions(), stats)
    app.router.add_get("/stats", receiver.report)
    app.router.add_get("/arrivals", receiver.arrivals)
    app.router.add_post("/control", receiver.control)
    app.router.add_post("/{path:.*}", receiver.receive)
    return app


async def run_fake_receiver(
    host: str,
    port: int,
    options: FakeReceiverOptions | None = None,
    *,
    on_ready: Callable[[str], None] | None = None,
) -> FakeReceiverStats:
    """Serve until cancelled, then return what was received. `on_ready` gets the base URL
    once the port is bound (useful with port 0)."""
    app = build_fake_receiver_app(options)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        if on_ready is not None:
            bound_host, bound_port = runner.addresses[0][:2]
            on_ready(f"http://{bound_host}:{bound_port}")
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        pass
    finally:
        await runner.cleanup()
    return app[FAKE_RECEIVER_STATS]
