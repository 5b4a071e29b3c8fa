"""The API keys of the two endpoint groups, compared in constant time. Each group checks its
key in a `before_request` hook of its controller: it runs before the body or any parameter
is read, as a guard would, without the copy of the route handler Litestar makes for every
guard call. Wrong keys are limited per client address (see attempt_limit.py)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException

from entrypoints.settings import Settings
from entrypoints.web.attempt_limit import LocalAttempts, client_address
from entrypoints.web.errors import INVALID_API_KEY, ApiKeyNotConfigured

API_KEY_HEADER = "x-ins-auth-key"
KeyCheck = Callable[[Request[Any, Any, Any]], Awaitable[None]]


def key_matches(given: str | None, expected: str) -> bool:
    if given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def api_key_check(expected_key: Callable[[Settings], str | None]) -> KeyCheck:
    # async, so Litestar runs it on the loop rather than handing it to a thread per request
    async def check(request: Request[Any, Any, Any]) -> None:
        expected = expected_key(request.app.state.settings)
        if not expected:
            raise ApiKeyNotConfigured
        attempts: LocalAttempts = request.app.state.api_attempts
        address = client_address(request)
        now = request.app.state.services.clock.now()
        attempts.check(address, now)
        given = request.headers.get(API_KEY_HEADER)
        if not key_matches(given, expected):
            if given:  # a guess; a request without a key guesses nothing
                attempts.failed(address, now)
            raise NotAuthorizedException(INVALID_API_KEY)

    return check


require_messages_key = api_key_check(lambda settings: settings.messages_api_key)
require_scheduler_key = api_key_check(lambda settings: settings.scheduler_api_key)
