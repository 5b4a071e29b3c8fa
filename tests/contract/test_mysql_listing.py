"""MySQL listings by revision (adapters/mysql/listing.py): a listing by revision names what
the plain listing names, every change to a row (a change made by hand included) gives it a
revision it never had, and so a listing never shows a message as it was."""

from __future__ import annotations

import pytest

from adapters.mysql import MySqlMessageRepository
from adapters.mysql.listing import Revision
from contract.mysql_databases import ScratchDatabase
from contract.repository_contract import (
    ACCEPTED,
    LEASE,
    MAX_ATTEMPTS,
    REJECTED,
    START,
    UNAVAILABLE,
    new_message,
    outcome_of,
)
from insider_core import MessageStatus, PageRequest

pytestmark = pytest.mark.mysql


async def revision_of(mysql_repository: MySqlMessageRepository, message_id: int) -> int:
    page = await mysql_repository._list_revisions(PageRequest(page=1, page_size=100))
    assert page is not None
    [revision] = [r.revision for r in page.items if r.id == message_id]
    return revision


async def test_a_listing_by_revision_names_what_the_listing_names(
    mysql_repository: MySqlMessageRepository,
) -> None:
    for n in range(7):
        await mysql_repository.add(new_message(START, content=f"message {n}"))
    claimed = await mysql_repository.claim_due(
        3, START, START + LEASE, "token", max_attempts=MAX_ATTEMPTS
    )
    await mysql_repository.save_results(
        [outcome_of(m, ACCEPTED, START + LEASE / 2) for m in claimed[:2]]
    )
    requests = [
        PageRequest(page=1, page_size=3),
        PageRequest(page=2, page_size=3),
        PageRequest(page=9, page_size=3),
        PageRequest(page=1, page_size=10, status=MessageStatus.PENDING),
        PageRequest(page=1, page_size=10, status=MessageStatus.SENT, newest_sent_first=True),
    ]

    for request in requests:
        listed = await mysql_repository._read_page(request)
        revised = await mysql_repository._list_revisions(request)
        assert revised is not None
        assert [r.id for r in revised.items] == [m.id for m in listed.items]
        assert (revised.total_count, revised.page, revised.page_size) == (
            listed.total_count,
            listed.page,
            listed.page_size,
        )
        assert await mysql_repository.list_page(request) == listed


async def test_every_change_gives_a_message_a_revision_it_never_had(
    mysql_repository: MySqlMessageRepository, scratch: ScratchDatabase
) -> None:
    message, _ = await mysql_repository.add(new_message(START))
    seen = [await revision_of(mysql_repository, message.id)]

    await mysql_repository.claim_due(1, START, START + LEASE, "first", max_attempts=MAX_ATTEMPTS)
    seen.append(await revision_of(mysql_repository, message.id))
    [recovered] = await mysql_repository.claim_due(
        1, START + LEASE * 2, START + LEASE * 3, "second", max_attempts=MAX_ATTEMPTS
    )
    seen.append(await revision_of(mysql_repository, message.id))
    await mysql_repository.save_results([outcome_of(recovered, REJECTED, START + LEASE * 2)])
    seen.append(await revision_of(mysql_repository, message.id))
    assert await mysql_repository.replay_one(message.id, START + LEASE * 3) is not None
    seen.append(await revision_of(mysql_repository, message.id))
    [again] = await mysql_repository.claim_due(
        1, START + LEASE * 3, START + LEASE * 4, "third", max_attempts=MAX_ATTEMPTS
    )
    await mysql_repository.save_results([outcome_of(again, UNAVAILABLE, START + LEASE * 3)])
    seen.append(await revision_of(mysql_repository, message.id))
    await mysql_repository.claim_due(
        1, START + LEASE * 99, START + LEASE * 100, "fourth", max_attempts=MAX_ATTEMPTS
    )
    await mysql_repository.replay_all(START + LEASE * 99)  # not failed: changes nothing
    seen.append(await revision_of(mysql_repository, message.id))
    await scratch.query("UPDATE messages SET content = 'by hand' WHERE id = %s", (message.id,))
    seen.append(await revision_of(mysql_repository, message.id))

    assert len(set(seen)) == len(seen) == 8


async def test_a_write_that_changes_nothing_keeps_the_revision(
    mysql_repository: MySqlMessageRepository, scratch: ScratchDatabase
) -> None:
    message, _ = await mysql_repository.add(new_message(START))
    [claimed] = await mysql_repository.claim_due(
        1, START, START + LEASE, "token", max_attempts=MAX_ATTEMPTS
    )
    before = await revision_of(mysql_repository, message.id)

    stale = outcome_of(claimed, ACCEPTED, START, token="someone-else")
    assert await mysql_repository.save_results([stale]) == 0
    _, created = await mysql_repository.add(new_message(START, key=message.idempotency_key))
    await scratch.query("UPDATE messages SET content = content WHERE id = %s", (message.id,))

    assert created is False
    assert await revision_of(mysql_repository, message.id) == before


async def test_messages_are_fetched_only_at_the_revision_asked_for(
    mysql_repository: MySqlMessageRepository,
) -> None:
    kept, _ = await mysql_repository.add(new_message(START, content="kept"))
    await mysql_repository.add(new_message(START, content="changed"))
    page = await mysql_repository._list_revisions(PageRequest(page=1, page_size=10))
    assert page is not None
    await mysql_repository.claim_due(
        1, START, START + LEASE, "token", max_attempts=MAX_ATTEMPTS
    )  # the oldest: `kept`
    now = await mysql_repository._list_revisions(PageRequest(page=1, page_size=10))
    assert now is not None

    fetched = await mysql_repository._get_revisions([*page.items, Revision(999_999, 0)])
    fetched_now = await mysql_repository._get_revisions(now.items)

    assert [m.content for m in fetched.values()] == ["changed"]
    assert {m.content for m in fetched_now.values()} == {"kept", "changed"}
    assert fetched_now[Revision(kept.id, await revision_of(mysql_repository, kept.id))] == (
        await mysql_repository.get(kept.id)
    )


async def test_a_listing_shows_every_change_however_it_was_made(
    mysql_repository: MySqlMessageRepository, scratch: ScratchDatabase
) -> None:
    for n in range(3):
        await mysql_repository.add(new_message(START, content=f"message {n}"))
    request = PageRequest(page=1, page_size=10)
    first = await mysql_repository.list_page(request)
    again = await mysql_repository.list_page(request)
    assert [a is b for a, b in zip(first.items, again.items, strict=True)] == [True] * 3

    [claimed] = await mysql_repository.claim_due(
        1, START, START + LEASE, "token", max_attempts=MAX_ATTEMPTS
    )
    await scratch.query("UPDATE messages SET content = 'by hand' WHERE content = 'message 1'")
    await scratch.query("DELETE FROM messages WHERE content = 'message 2'")
    after = await mysql_repository.list_page(request)

    assert after == await mysql_repository._read_page(request)
    assert [m.content for m in after.items] == ["by hand", "message 0"]
    assert after.items[1] == claimed
    assert after.total_count == 2


async def test_a_listing_the_server_cut_short_is_read_the_plain_way(
    scratch: ScratchDatabase,
) -> None:
    """A small group_concat_max_len (MySQL 8 defaults to 1024) cuts the revisions of a long
    page; the page is then read the plain way."""
    repository = await scratch.open_repository(pool_minsize=1, pool_maxsize=1)
    await scratch.empty()
    try:
        await repository.add_many([new_message(START) for _ in range(100)])
        request = PageRequest(page=1, page_size=100)
        whole = await repository._list_revisions(request)
        async with repository._database.cursor() as cursor:
            await cursor.execute("SET SESSION group_concat_max_len = 200")

        with pytest.warns(Warning, match="cut by GROUP_CONCAT"):
            cut = await repository._list_revisions(request)
        with pytest.warns(Warning, match="cut by GROUP_CONCAT"):
            listed = await repository.list_page(request)

        assert whole is not None
        assert len(whole.items) == 100
        assert cut is None
        assert [m.id for m in listed.items] == [r.id for r in whole.items]
        short = await repository._list_revisions(PageRequest(page=1, page_size=10))
        assert short is not None
        assert short.items == whole.items[:10]
    finally:
        await repository.close()
