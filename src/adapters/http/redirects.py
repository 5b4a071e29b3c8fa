"""Redirects are refused, never followed: a 3xx names where the receiver wanted the request to
go, and that is all that is kept of it."""

from __future__ import annotations

from urllib.parse import urljoin

import aiohttp


def redirect_target(response: aiohttp.ClientResponse) -> str | None:
    """Where a 3xx with a Location pointed (made absolute against the URL asked); None for
    any other answer."""
    if not 300 <= response.status <= 399:
        return None
    location = response.headers.get("Location")
    if not location:
        return None
    try:
        return urljoin(str(response.url), location)
    except ValueError:
        return location
