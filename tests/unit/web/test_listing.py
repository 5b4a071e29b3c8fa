"""Listings reuse the body made of a message while it keeps its revision, and are never
stale: every page reads the revisions afresh."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from adapters.memory import InMemoryMessageRepository
from entrypoints.web.dto import MessageBody
from entrypoints.web.envelopes import page_of
from entrypoints.web.listing import MessageListing
from insider_core import (
    Message,
    MessageRepository,
    MessageStatus,
    NewMessage,
    Page,
    PageRequest,
    Revision,
    RevisionedMessages,
)
from unit.harness import Harness

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # after the harness clock's start
LEASE = timedelta(seconds=60)
REQUESTS = [
    PageRequest(page=1, page_size=3),
    PageRequest(page=2, page_size=3),
    PageRequest(page=5, page_size=3),
    PageRequest(page=1, page_size=100, status=MessageStatus.PENDING),
    PageRequest(page=1, page_size=100, status=MessageStatus.SENDING),
    PageRequest.sent(1, 100),
]


class CountingStore(InMemoryMessageRepository):
    """The memory store, counting the listings of revisions and the messages fetched by
    revision."""

    def __init__(self) -> None:
        super().__init__()
        self.listed: list[PageRequest] = []
        self.listing_began = asyncio.Event()
        self.fetched: list[Revision] = []

    async def list_revisions(self, request: PageRequest) -> Page[Revision] | None:
        self.listed.append(request)
        self.listing_began.set()
        listed = await super().list_revisions(request)
        await asyncio.sleep(0)  # the answer takes time to arrive: callers meanwhile queue up
        return listed

    async def get_revisions(self, wanted: Sequence[Revision]) -> dict[Revision, Message]:
        self.fetched.extend(wanted)
        return await super().get_revisions(wanted)


class ChangingStore(CountingStore):
    """A message changes between the listing of revisions and the fetch of the messages."""

    async def get_revisions(self, wanted: Sequence[Revision]) -> dict[Revision, Message]:
        await self.claim_due(1, T0, T0 + LEASE, "a-worker-in-between")
        return await super().get_revisions(wanted)


class PlainStore:
    """A store without revisions: everything but the RevisionedMessages methods."""

    def __init__(self, inner: InMemoryMessageRepository) -> None:
        self.list_page = inner.list_page


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


async def deliver(store: InMemoryMessageRepository, count: int) -> None:
    """The real dispatcher sends `count` due messages, a lease after T0, and records them."""
    harness = Harness(repository=store)
    harness.clock.advance((T0 + LEASE - harness.clock.now()).total_seconds())
    await harness.dispatcher.dispatch_batch(count)


def encoded(page: object) -> Any:
    """The page as the client reads it."""
    return msgspec.json.decode(msgspec.json.encode(page))


def shown(page: object, field: str) -> list[Any]:
    return [item[field] for item in encoded(page)["data"]]


async def test_a_listing_shows_what_the_store_lists() -> None:
    store = CountingStore()
    await add(store, 8)
    await store.claim_due(2, T0, T0 + LEASE, "token")
    await deliver(store, 2)
    listing = MessageListing(store)

    for request in REQUESTS:
        expected = page_of(await store.list_page(request), MessageBody.of)
        assert encoded(await listing.page(request)) == encoded(expected)


async def test_an_unchanged_message_is_not_fetched_again() -> None:
    store = CountingStore()
    await add(store, 5)
    listing = MessageListing(store)
    await listing.page(PageRequest(page=1, page_size=10))
    assert len(store.fetched) == 5

    await listing.page(PageRequest(page=1, page_size=10))
    await listing.page(PageRequest(page=1, page_size=10, status=MessageStatus.PENDING))

    assert len(store.fetched) == 5


async def test_a_changed_message_is_shown_as_it_is_now() -> None:
    store = CountingStore()
    await add(store, 3)
    listing = MessageListing(store)
    before = await listing.page(PageRequest(page=1, page_size=10))

    await store.claim_due(1, T0, T0 + LEASE, "token")
    after = await listing.page(PageRequest(page=1, page_size=10))

    assert shown(before, "status") == ["pending"] * 3
    assert shown(after, "status") == ["pending", "pending", "sending"]
    assert len(store.fetched) == 4  # only the claimed message again


async def test_requests_for_one_page_at_once_share_one_listing_and_see_earlier_writes() -> None:
    store = CountingStore()
    await add(store, 3)
    listing = MessageListing(store)
    first = PageRequest(page=1, page_size=10)
    early = [asyncio.create_task(listing.page(first)) for _ in range(5)]
    await store.listing_began.wait()  # their listing is under way
    await add(store, 1)  # then a message is created, and more clients ask
    late = [asyncio.create_task(listing.page(first)) for _ in range(5)]
    other = await listing.page(PageRequest(page=2, page_size=2))

    assert [page.total_count for page in await asyncio.gather(*early)] == [3] * 5
    assert [page.total_count for page in await asyncio.gather(*late)] == [4] * 5
    assert shown(other, "content") == ["message 1", "message 0"]
    assert store.listed.count(first) == 2  # one listing for the early, one for the late
    assert len(store.listed) == 3


async def test_a_message_that_changes_during_the_listing_sends_it_to_the_store_listing() -> None:
    store = ChangingStore()
    await add(store, 3)
    listing = MessageListing(store)

    page = await listing.page(PageRequest(page=1, page_size=10, status=MessageStatus.PENDING))

    assert shown(page, "content") == ["message 2", "message 1"]
    assert page.total_count == 2


async def test_a_store_without_revisions_is_listed_directly() -> None:
    inner = InMemoryMessageRepository()
    await add(inner, 4)
    store = PlainStore(inner)
    assert not isinstance(store, RevisionedMessages)
    listing = MessageListing(store)  # type: ignore[arg-type]

    page = await listing.page(PageRequest(page=1, page_size=2))

    assert shown(page, "content") == ["message 3", "message 2"]
    assert page.total_count == 4


@pytest.mark.parametrize("kept_messages", [0.5, 1, 5])
async def test_no_more_json_is_kept_than_allowed(kept_messages: float) -> None:
    store = CountingStore()
    await add(store, 12)
    message = await store.get(1)
    assert message is not None
    one_message = len(msgspec.json.encode(MessageBody.of(message)))
    limit = int(one_message * kept_messages)
    listing = MessageListing(store, kept_bytes=limit)

    first = await listing.page(PageRequest(page=1, page_size=12))
    second = await listing.page(PageRequest(page=1, page_size=12))

    assert 0 <= listing.kept_bytes <= limit
    assert shown(second, "content") == shown(first, "content")
    assert shown(first, "content") == [f"message {n}" for n in range(11, -1, -1)]


def test_the_listing_takes_any_repository() -> None:
    store: MessageRepository = InMemoryMessageRepository()
    assert isinstance(store, RevisionedMessages)
    MessageListing(store)
