"""Times the API reads: ISO 8601 with a UTC offset or Z."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

MALFORMED_TIME = "must be an ISO 8601 time with a UTC offset or Z, such as 2026-06-01T09:30:00Z"
NO_OFFSET = "must have a UTC offset or Z"


def read_time(text: str) -> datetime:
    """The instant an ISO 8601 time names, in UTC; ValueError says what is wrong with it."""
    try:
        moment = datetime.fromisoformat(text.upper())  # RFC 3339 allows a lower-case t and z
    except ValueError:
        raise ValueError(MALFORMED_TIME) from None
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError(NO_OFFSET)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # in UTC, before the year 1 or after 9999: the nearest end
        return (datetime.min if offset > timedelta(0) else datetime.max).replace(tzinfo=UTC)


def time_field(description: str) -> msgspec.Meta:
    return msgspec.Meta(
        description=description + " ISO 8601 with a UTC offset or Z.",
        examples=["2026-06-01T09:30:00Z", "2026-06-01T12:30:00+03:00"],
    )
