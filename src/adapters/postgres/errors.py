"""Which of asyncpg's errors mean "the store cannot be reached now" (StoreUnavailable)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from insider_core.errors import StoreUnavailable

# Connection exceptions (08), too many connections, the server shutting down or starting up
# (57P01-57P03). A cancelled statement (57014) is not among them.
UNREACHABLE_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,  # the connection or the pool is closed
    OSError,
    asyncio.TimeoutError,
)


def is_unreachable(error: BaseException, *, connecting: bool = False) -> bool:
    """While connecting, every server error (refused credentials, a database that cannot be
    created) leaves the store out of reach; afterwards only the connection-level ones do."""
    if isinstance(error, UNREACHABLE_ERRORS):
        return True
    return connecting and isinstance(error, asyncpg.PostgresError)


@contextmanager
def unreachable_as_store_unavailable(*, connecting: bool = False) -> Iterator[None]:
    try:
        yield
    except StoreUnavailable:
        raise
    except Exception as error:
        if is_unreachable(error, connecting=connecting):
            raise StoreUnavailable(f"PostgreSQL store unavailable: {error}") from error
        raise
