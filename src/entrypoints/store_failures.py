"""A store that cannot be opened or migrated stops a command with one line naming the store
(password hidden) and the cause, and exit code 3: never a traceback."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from adapters.sql.migrations import SchemaConflict
from entrypoints.settings import DatabaseTarget
from insider_core import StoreUnavailable

STORE_FAILED = 3


def describe(target: DatabaseTarget, error: BaseException) -> str:
    url = target.shown_url
    if isinstance(error, SchemaConflict):
        return f"cannot migrate {url}: {error}"
    if isinstance(error, StoreUnavailable):
        return f"database unreachable at {url}: {root_cause(error)}"
    return f"cannot open the database at {url}: {root_cause(error)}"


def root_cause(error: BaseException) -> str:
    """The driver's own words: the message of the first MySQL error in the chain of causes
    (without its code), else the innermost cause; with the system's reason when a socket
    failed underneath (refused, unknown host, timed out)."""
    chain = [error]
    while (cause := chain[-1].__cause__) is not None:
        chain.append(cause)
    reason = next((text for e in chain if (text := _driver_message(e))), None)
    innermost = chain[-1]
    if reason is None:
        return " ".join(str(innermost).split()) or type(innermost).__name__
    # A name that does not resolve has a negative errno: a resolver's code, not the system's.
    errno = innermost.errno if isinstance(innermost, OSError) else None
    if errno is not None and errno > 0 and innermost is not error:
        reason = f"{reason} ({os.strerror(errno)})"
    return reason


def _driver_message(error: BaseException) -> str | None:
    args = error.args
    if len(args) == 2 and isinstance(args[0], int) and isinstance(args[1], str):
        return " ".join(args[1].split())  # PyMySQL: (code, message)
    return None


@contextmanager
def store_failures_exit(target: DatabaseTarget) -> Iterator[None]:
    try:
        yield
    except Exception as error:
        click.echo(describe(target, error), err=True)
        sys.exit(STORE_FAILED)
