"""The error responses each route documents in the OpenAPI document."""

from __future__ import annotations

from litestar.openapi.datastructures import ResponseSpec

from entrypoints.web.envelopes import Failure

MEANINGS = {
    400: "Malformed request, such as a body that is not valid JSON",
    401: "Invalid or missing API key",
    404: "Not found",
    409: "Conflict with the current state",
    413: "The request body is larger than the limit; it was not read",
    422: "Validation failed; `details` names each field and its problem",
    429: "Too many wrong API keys from this address; `Retry-After` says when to try again",
    500: "API key is not configured for this endpoint group",
    503: "A backing service is unavailable",
}


def errors(*status_codes: int) -> dict[int, ResponseSpec]:
    return {
        code: ResponseSpec(
            data_container=Failure, description=MEANINGS[code], generate_examples=False
        )
        for code in status_codes
    }


def guarded(*status_codes: int) -> dict[int, ResponseSpec]:
    """Every route behind an API key may also answer 401, 429 after too many wrong keys, 500,
    and 503 when the store is down."""
    return errors(401, 429, 500, 503, *status_codes)


def also(status_code: int, data: object, description: str) -> dict[int, ResponseSpec]:
    """A second success status a route may answer with."""
    return {status_code: ResponseSpec(data_container=data, description=description)}
