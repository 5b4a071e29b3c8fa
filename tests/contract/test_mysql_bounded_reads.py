"""A page past the end costs MySQL its total only: no message row is read to find it empty.
(A search by phone number counts that number's messages, as every page of it does.)"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.mysql import MySqlMessageRepository
from contract.mysql_databases import ScratchDatabase
from contract.repository_contract import (
    ACCEPTED,
    LEASE,
    MAX_ATTEMPTS,
    PHONE,
    START,
    new_message,
    outcome_of,
)
from insider_core import MessageStatus, PageRequest

pytestmark = pytest.mark.mysql

MESSAGES = 2000
FAR = 1_000_000_000
# Rows read by walking an index, forwards or backwards.
INDEX_WALKS = ("Handler_read_next", "Handler_read_prev")


@pytest.fixture
async def one_connection(scratch: ScratchDatabase) -> AsyncIterator[MySqlMessageRepository]:
    """A repository of one pooled connection, whose session counters then count its reads."""
    repository = await scratch.open_repository(pool_minsize=1, pool_maxsize=1)
    await scratch.empty()
    yield repository
    await repository.close()


async def index_rows_walked(repository: MySqlMessageRepository) -> int:
    async with repository._database.cursor() as cursor:
        await cursor.execute("SHOW SESSION STATUS LIKE 'Handler_read_%'")
        return sum(int(value) for name, value in await cursor.fetchall() if name in INDEX_WALKS)


@pytest.mark.parametrize(
    "request_",
    [
        PageRequest(page=FAR, page_size=100),
        PageRequest(page=FAR, page_size=100, status=MessageStatus.PENDING),
        PageRequest.sent(FAR, 100),
    ],
    ids=["all", "by status", "sent"],
)
async def test_a_page_past_the_end_walks_no_message_rows(
    one_connection: MySqlMessageRepository, request_: PageRequest
) -> None:
    await one_connection.add_many([new_message(START) for _ in range(MESSAGES)])
    claimed = await one_connection.claim_due(
        MESSAGES // 2, START, START + LEASE, "token", max_attempts=MAX_ATTEMPTS
    )
    await one_connection.save_results([outcome_of(m, ACCEPTED, START) for m in claimed])
    walked_before = await index_rows_walked(one_connection)

    page = await one_connection.list_page(request_)
    walked = await index_rows_walked(one_connection) - walked_before

    assert list(page.items) == []
    assert walked < MESSAGES / 10


async def test_the_last_page_still_reads_its_rows(one_connection: MySqlMessageRepository) -> None:
    await one_connection.add_many([new_message(START) for _ in range(MESSAGES)])

    page = await one_connection.list_page(PageRequest(page=20, page_size=100))
    by_phone = await one_connection.list_page(
        PageRequest(page=20, page_size=100, phone_number=PHONE)
    )

    assert len(page.items) == 100
    assert (page.total_count, by_phone.total_count, len(by_phone.items)) == (
        MESSAGES,
        MESSAGES,
        100,
    )
