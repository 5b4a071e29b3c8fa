"""The three response shapes of the API: success, error and page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

import msgspec

from entrypoints.web.dto import CachedBody
from insider_core import CachedPage, Page

T = TypeVar("T")
Item = TypeVar("Item")
Succeeded = Annotated[bool, msgspec.Meta(extra_json_schema={"extra": {"const": True}})]
Failed = Annotated[bool, msgspec.Meta(extra_json_schema={"extra": {"const": False}})]


class Success(msgspec.Struct, Generic[T], kw_only=True, omit_defaults=True):
    success: Succeeded
    message: str | None = None
    data: T | None = None


class Failure(msgspec.Struct, kw_only=True, omit_defaults=True):
    success: Failed
    error: str
    details: dict[str, str] | None = None


class PageOf(msgspec.Struct, Generic[T], kw_only=True, rename="camel"):
    success: Succeeded
    data: Sequence[T]
    page: int
    page_size: int
    total_count: int
    total_pages: int


class CachedPageOf(msgspec.Struct, kw_only=True, rename="camel"):
    """Sent-cache entries by id (`{"<id>": {"messageId", "sentAt"}}`), lowest id first, and
    the `after` that reads the next page: null when none follows."""

    success: Succeeded
    data: dict[str, CachedBody]
    next_after: int | None


def ok(data: T, message: str | None = None) -> Success[T]:
    return Success(success=True, message=message, data=data)


def failure(error: str, details: dict[str, str] | None = None) -> Failure:
    return Failure(success=False, error=error, details=details or None)


def cached_page(page: CachedPage) -> CachedPageOf:
    data = {str(entry.id): CachedBody.of(entry) for entry in page.entries}
    return CachedPageOf(success=True, data=data, next_after=page.next_after)


def page_of(page: Page[Item], to_body: Callable[[Item], T]) -> PageOf[T]:
    return PageOf(
        success=True,
        data=[to_body(item) for item in page.items],
        page=page.page,
        page_size=page.page_size,
        total_count=page.total_count,
        total_pages=page.total_pages,
    )
