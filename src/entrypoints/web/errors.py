"""Every error leaves the API in the error envelope; no client input produces a 500."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException

from entrypoints.decode_errors import is_bad_choice, plain_expectation
from entrypoints.web.attempt_limit import TooManyAttempts
from entrypoints.web.envelopes import error_response
from entrypoints.web.request_bodies import BadJson, InvalidBody
from insider_core import (
    CacheUnavailable,
    InvalidMessage,
    InvalidTransition,
    MessageNotFound,
    MessageStatus,
    NotReplayable,
    StoreUnavailable,
)

log = logging.getLogger(__name__)

INVALID_API_KEY = "Invalid or missing API key"
API_KEY_NOT_CONFIGURED = "API key is not configured for this endpoint group"
VALIDATION_FAILED = "Validation failed"
INVALID_JSON = "Invalid JSON body"
ENUM_CHOICES = {"status": ", ".join(status.value for status in MessageStatus)}
PARAMETER_NAMES = {"page_size": "pageSize", "idempotency_key": "Idempotency-Key"}
STATUS_ERRORS = {
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
    500: "Internal server error",
}


class ApiKeyNotConfigured(Exception):
    """The operator has not set the key of an endpoint group: a server fault, not the client's."""


class SchedulerCannotStart(Exception):
    """The scheduler has nothing to send with: WEBHOOK_URL is not set."""


def validation_details(errors: Any) -> dict[str, str]:
    """Litestar's list of `{key, message, source}` for the query, path and header parameters
    it checks, as `{parameter: reason}` with the API's names (request bodies are read by
    request_bodies instead)."""
    details: dict[str, str] = {}
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            continue
        key = str(error.get("key") or "body")
        reason = plain_reason(key, str(error.get("message") or "is invalid"))
        details[PARAMETER_NAMES.get(key, key)] = reason
    return details or {"body": "is invalid"}


def plain_reason(key: str, reason: str) -> str:
    """msgspec's "Expected `int` >= 1" as "must be an integer >= 1"."""
    if is_bad_choice(reason) and key in ENUM_CHOICES:
        return f"must be one of {ENUM_CHOICES[key]}"
    return plain_expectation(reason) or reason


def on_http_error(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    status = error.status_code
    message = STATUS_ERRORS.get(status) or str(error.detail or "Request failed")
    if status == 413:
        limit = request.route_handler.resolve_request_max_body_size()
        message = f"{message}: at most {limit} bytes"
    if status >= 500:
        log.error("request failed: %s", error.detail)
    return error_response(status, message, headers=error.headers)


def on_validation_error(_: Request[Any, Any, Any], error: ValidationException) -> Response[Any]:
    return error_response(422, VALIDATION_FAILED, validation_details(error.extra))


def on_unexpected(_: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    log.exception("unexpected error while handling a request", exc_info=error)
    return error_response(500, STATUS_ERRORS[500])


def on_too_many_attempts(_: Request[Any, Any, Any], error: TooManyAttempts) -> Response[Any]:
    headers = {"Retry-After": str(error.retry_after_seconds)}
    return error_response(429, str(error), headers=headers)


def answer(status: int, text: str | None = None) -> Callable[..., Response[Any]]:
    def handle(_: Request[Any, Any, Any], error: Exception) -> Response[Any]:
        details = error.details if isinstance(error, InvalidMessage | InvalidBody) else None
        return error_response(status, text or str(error), details)

    return handle


def on_bad_json(_: Request[Any, Any, Any], error: BadJson) -> Response[Any]:
    return error_response(400, INVALID_JSON, {"body": str(error)})


EXCEPTION_HANDLERS: dict[type[Exception] | int, Callable[..., Response[Any]]] = {
    HTTPException: on_http_error,
    ValidationException: on_validation_error,
    NotAuthorizedException: answer(401, INVALID_API_KEY),
    TooManyAttempts: on_too_many_attempts,
    ApiKeyNotConfigured: answer(500, API_KEY_NOT_CONFIGURED),
    BadJson: on_bad_json,
    InvalidBody: answer(422, VALIDATION_FAILED),
    InvalidMessage: answer(422, VALIDATION_FAILED),
    MessageNotFound: answer(404),
    NotReplayable: answer(404),
    InvalidTransition: answer(409),
    SchedulerCannotStart: answer(409),
    CacheUnavailable: answer(503, "Cache unavailable"),
    StoreUnavailable: answer(503, "Database unavailable"),
    Exception: on_unexpected,
}
