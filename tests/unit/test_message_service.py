"""The listing use cases a library user calls on MessageService."""

from __future__ import annotations

from harness import Harness

from insider_core import MessageStatus


async def test_list_page_is_newest_first_and_filters_by_status() -> None:
    harness = Harness()
    await harness.create(5)
    await harness.dispatcher.dispatch_batch(2)  # the two oldest are sent

    everything = await harness.service.list_page(page=1, page_size=3)
    pending = await harness.service.list_page(page=1, page_size=10, status=MessageStatus.PENDING)

    assert [m.content for m in everything.items] == ["message 4", "message 3", "message 2"]
    assert (everything.total_count, everything.total_pages) == (5, 2)
    assert [m.content for m in pending.items] == ["message 4", "message 3", "message 2"]
    assert pending.total_count == 3


async def test_list_sent_is_newest_sent_first() -> None:
    harness = Harness()
    await harness.create(3)
    await harness.dispatcher.dispatch_batch(1)  # message 0
    harness.clock.advance(60)
    await harness.dispatcher.dispatch_batch(1)  # message 1, a minute later

    sent = await harness.service.list_sent(page=1, page_size=10)

    assert [m.content for m in sent.items] == ["message 1", "message 0"]
    assert all(m.status is MessageStatus.SENT for m in sent.items)
