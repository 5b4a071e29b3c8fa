"""Fixtures the MySQL contract tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from contract.mysql_databases import ScratchDatabase, scratch_database


@pytest.fixture(scope="module")
def scratch(mysql_url: str) -> Iterator[ScratchDatabase]:
    """A throwaway database of this test module's own, dropped at its end."""
    with scratch_database(mysql_url) as database:
        yield database
