from __future__ import annotations

import aiohttp


def create_client_session(
    *, concurrency: int = 16, timeout_seconds: float = 30
) -> aiohttp.ClientSession:
    """The one pooled session of the process; at most `concurrency` connections at a time."""
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=timeout_seconds),
        raise_for_status=False,
    )
