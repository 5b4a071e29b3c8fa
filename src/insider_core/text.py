"""How the service writes text it did not receive: cut to a limit, and times in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

ELLIPSIS = "..."


@overload
def shorten(text: str, limit: int) -> str: ...
@overload
def shorten(text: None, limit: int) -> None: ...
def shorten(text: str | None, limit: int) -> str | None:
    """At most `limit` characters (code points), ending in '...' when cut."""
    if text is None or len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return text[:limit]
    return text[: limit - len(ELLIPSIS)] + ELLIPSIS


@overload
def storable(text: str, limit: int | None = None) -> str: ...
@overload
def storable(text: None, limit: int | None = None) -> None: ...
def storable(text: str | None, limit: int | None = None) -> str | None:
    """Text any store can keep: lone surrogates (what undecodable bytes become, as in a
    header aiohttp read) replaced by '?', NUL (which PostgreSQL's text refuses) by U+FFFD,
    then shortened to `limit` when one is given."""
    if text is None:
        return None
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text if limit is None else shorten(text, limit)


def utc_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC, always with microseconds, ending in `Z` (and a four-digit year, which
    strftime does not promise)."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"  # "+00:00" -> "Z"
