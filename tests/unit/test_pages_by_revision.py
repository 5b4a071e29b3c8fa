"""Pages by revision (adapters/mysql/listing.py) reuse a message read before while it keeps
its revision, and are never stale: every page reads the revisions afresh."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory import InMemoryMessageRepository
from adapters.mysql.listing import PagesByRevision, Revision
from insider_core import Message, MessageStatus, NewMessage, Page, PageRequest

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 3
REQUESTS = [
    PageRequest(page=1, page_size=3),
    PageRequest(page=2, page_size=3),
    PageRequest(page=5, page_size=3),
    PageRequest(page=1, page_size=100, status=MessageStatus.PENDING),
    PageRequest(page=1, page_size=100, status=MessageStatus.SENDING),
    PageRequest.sent(1, 100),
]


class RevisionedStore(InMemoryMessageRepository):
    """The memory store with a revision per message, raised whenever the stored message
    differs from the one last seen; it counts the listings and the messages fetched."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[int, tuple[Message, int]] = {}
        self.listed: list[PageRequest] = []
        self.listing_began = asyncio.Event()
        self.fetched: list[Revision] = []

    def revision(self, message: Message) -> int:
        last, revision = self.seen.get(message.id, (message, 0))
        if last != message:
            revision += 1
        self.seen[message.id] = (message, revision)
        return revision

    async def list_revisions(self, request: PageRequest) -> Page[Revision] | None:
        self.listed.append(request)
        self.listing_began.set()
        page = await self.list_page(request)
        await asyncio.sleep(0)  # the answer takes time to arrive: callers meanwhile queue up
        return Page(
            items=[Revision(m.id, self.revision(m)) for m in page.items],
            page=page.page,
            page_size=page.page_size,
            total_count=page.total_count,
        )

    async def get_revisions(self, wanted: Sequence[Revision]) -> dict[Revision, Message]:
        self.fetched.extend(wanted)
        found = {}
        for revision in wanted:
            message = await self.get(revision.id)
            if message is not None and self.revision(message) == revision.revision:
                found[revision] = message
        return found

    def pages(self, kept_messages: int = 1000) -> PagesByRevision:
        return PagesByRevision(self.list_revisions, self.get_revisions, kept_messages=kept_messages)


class ChangingStore(RevisionedStore):
    """A message changes between the listing of revisions and the fetch of the messages."""

    async def get_revisions(self, wanted: Sequence[Revision]) -> dict[Revision, Message]:
        await self.claim_due(1, T0, T0 + LEASE, "a-worker-in-between", max_attempts=MAX_ATTEMPTS)
        return await super().get_revisions(wanted)


async def add(store: InMemoryMessageRepository, count: int) -> list[Message]:
    added = []
    for n in range(count):
        new = NewMessage(
            content=f"message {n}",
            phone_number="+905551234567",
            idempotency_key=str(uuid.uuid4()),
            created_at=T0 + timedelta(seconds=n),
        )
        added.append((await store.add(new))[0])
    return added


async def test_a_page_holds_what_the_store_lists() -> None:
    store = RevisionedStore()
    await add(store, 8)
    await store.claim_due(2, T0, T0 + LEASE, "token", max_attempts=MAX_ATTEMPTS)
    pages = store.pages()

    for request in REQUESTS:
        assert await pages.page(request) == await store.list_page(request)


async def test_an_unchanged_message_is_not_fetched_again() -> None:
    store = RevisionedStore()
    await add(store, 5)
    pages = store.pages()
    await pages.page(PageRequest(page=1, page_size=10))
    assert len(store.fetched) == 5

    await pages.page(PageRequest(page=1, page_size=10))
    await pages.page(PageRequest(page=1, page_size=10, status=MessageStatus.PENDING))

    assert len(store.fetched) == 5


async def test_a_changed_message_is_shown_as_it_is_now() -> None:
    store = RevisionedStore()
    await add(store, 3)
    pages = store.pages()
    before = await pages.page(PageRequest(page=1, page_size=10))

    await store.claim_due(1, T0, T0 + LEASE, "token", max_attempts=MAX_ATTEMPTS)
    after = await pages.page(PageRequest(page=1, page_size=10))

    assert before is not None
    assert after is not None
    assert [m.status for m in before.items] == [MessageStatus.PENDING] * 3
    assert [m.status for m in after.items] == [MessageStatus.PENDING] * 2 + [MessageStatus.SENDING]
    assert len(store.fetched) == 4  # only the claimed message again


async def test_requests_for_one_page_at_once_share_one_listing_and_see_earlier_writes() -> None:
    store = RevisionedStore()
    await add(store, 3)
    pages = store.pages()
    first = PageRequest(page=1, page_size=10)
    early = [asyncio.create_task(pages.page(first)) for _ in range(5)]
    await store.listing_began.wait()  # their listing is under way
    await add(store, 1)  # then a message is created, and more clients ask
    late = [asyncio.create_task(pages.page(first)) for _ in range(5)]
    other = await pages.page(PageRequest(page=2, page_size=2))

    assert [page and page.total_count for page in await asyncio.gather(*early)] == [3] * 5
    assert [page and page.total_count for page in await asyncio.gather(*late)] == [4] * 5
    assert other is not None
    assert [m.content for m in other.items] == ["message 1", "message 0"]
    assert store.listed.count(first) == 2  # one listing for the early, one for the late
    assert len(store.listed) == 3


async def test_a_message_that_changes_during_the_read_leaves_the_page_to_the_plain_read() -> None:
    store = ChangingStore()
    await add(store, 3)

    assert await store.pages().page(PageRequest(page=1, page_size=10)) is None


@pytest.mark.parametrize("kept_messages", [0, 1, 5])
async def test_no_more_messages_are_kept_than_allowed(kept_messages: int) -> None:
    store = RevisionedStore()
    await add(store, 12)
    pages = store.pages(kept_messages)

    first = await pages.page(PageRequest(page=1, page_size=12))
    second = await pages.page(PageRequest(page=1, page_size=12))

    assert pages.kept == kept_messages
    assert first == second == await store.list_page(PageRequest(page=1, page_size=12))
    assert len(store.fetched) == 24 - kept_messages
