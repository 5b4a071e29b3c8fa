"""The API keys of the two endpoint groups, compared in constant time."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from entrypoints.settings import Settings
from entrypoints.web.errors import INVALID_API_KEY, ApiKeyNotConfigured

API_KEY_HEADER = "x-ins-auth-key"
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def key_matches(given: str | None, expected: str) -> bool:
    if given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def api_key_guard(expected_key: Callable[[Settings], str | None]) -> Guard:
    # async, so Litestar runs it on the loop rather than handing it to a thread per request
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        expected = expected_key(connection.app.state.settings)
        if not expected:
            raise ApiKeyNotConfigured
        if not key_matches(connection.headers.get(API_KEY_HEADER), expected):
            raise NotAuthorizedException(INVALID_API_KEY)

    return guard


require_messages_key = api_key_guard(lambda settings: settings.messages_api_key)
require_scheduler_key = api_key_guard(lambda settings: settings.scheduler_api_key)
