"""The API's response shapes (success and error), the error response itself, and the error
responses each route documents. A route answers with a subclass of Success that adds its
`data` (`MessageSuccess`, beside the bodies in dto.py), whose name is its schema's name in the
OpenAPI document; the page shape is MessagePage, the one list the API pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import MediaType, Response
from litestar.openapi.datastructures import ResponseSpec

from insider_core import Page

Item = TypeVar("Item")
Shape = TypeVar("Shape", bound="Success")
PageShape = TypeVar("PageShape")
Succeeded = Annotated[bool, msgspec.Meta(extra_json_schema={"extra": {"const": True}})]
Failed = Annotated[bool, msgspec.Meta(extra_json_schema={"extra": {"const": False}})]


class Success(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Subclasses add `data: <body> | None = None`, written after these fields."""

    success: Succeeded
    message: str | None = None


class Failure(msgspec.Struct, kw_only=True, omit_defaults=True):
    success: Failed
    error: str
    details: dict[str, str] | None = None


def ok(shape: Callable[..., Shape], data: object, message: str | None = None) -> Shape:
    return shape(success=True, message=message, data=data)


def page_of(
    shape: Callable[..., PageShape], page: Page[Item], to_item: Callable[[Item], Any]
) -> PageShape:
    return shape(
        success=True,
        data=[to_item(item) for item in page.items],
        page=page.page,
        page_size=page.page_size,
        total_count=page.total_count,
        total_pages=page.total_pages,
    )


def error_response(
    status_code: int,
    error: str,
    details: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response[Failure]:
    return Response(
        Failure(success=False, error=error, details=dict(details) if details else None),
        status_code=status_code,
        media_type=MediaType.JSON,
        headers=dict(headers) if headers else None,
    )


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
    """The error responses a route documents, each the Failure shape."""
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
