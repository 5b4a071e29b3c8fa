"""Listings in pages with their totals, and the counts per status."""

from __future__ import annotations

from datetime import timedelta

from adapters.memory import ManualClock
from contract.repository_support import (
    ACCEPTED,
    PHONE,
    REJECTED,
    UNAVAILABLE,
    RepositoryContractBase,
    ids,
    outcome_of,
)
from insider_core import (
    MessageRepository,
    MessageStats,
    MessageStatus,
    PageRequest,
)


class ListingContract(RepositoryContractBase):
    # Listing and statistics

    async def test_the_list_is_newest_id_first_in_pages_with_the_total(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        added = await self.add_at(repository, *([clock.now()] * 5))
        newest_first = ids(added)[::-1]

        first = await repository.list_page(PageRequest(page=1, page_size=2))
        last = await repository.list_page(PageRequest(page=3, page_size=2))
        beyond = await repository.list_page(PageRequest(page=4, page_size=2))

        assert ids(first.items) == newest_first[:2]
        assert (first.page, first.page_size, first.total_count, first.total_pages) == (1, 2, 5, 3)
        assert ids(last.items) == newest_first[4:]
        assert list(beyond.items) == []
        assert beyond.total_count == 5

    async def test_a_page_far_past_the_end_is_empty_with_the_true_total(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        await self.add_at(repository, *([clock.now()] * 5))
        await self.claim(repository, clock.now(), limit=2)
        far = 1_000_000_000
        requests = [
            PageRequest(page=far, page_size=100),
            PageRequest(page=far, page_size=2, status=MessageStatus.PENDING),
            PageRequest.sent(far, 100),
            PageRequest(page=far, page_size=100, phone_number=PHONE),
            PageRequest(page=2, page_size=5),
        ]

        pages = [await repository.list_page(request) for request in requests]

        assert [list(page.items) for page in pages] == [[]] * len(requests)
        assert [(page.total_count, page.total_pages) for page in pages] == [
            (5, 1),
            (3, 2),
            (0, 0),
            (5, 1),
            (5, 1),
        ]
        assert [(page.page, page.page_size) for page in pages[:2]] == [(far, 100), (far, 2)]

    async def test_the_list_filters_by_status_and_counts_only_matching_messages(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        await self.add_at(repository, *([clock.now()] * 5))
        claimed = await self.claim(repository, clock.now(), limit=2)

        sending = await repository.list_page(PageRequest(status=MessageStatus.SENDING))
        pending = await repository.list_page(PageRequest(status=MessageStatus.PENDING))
        sent = await repository.list_page(PageRequest(status=MessageStatus.SENT))

        assert ids(sending.items) == sorted(ids(claimed), reverse=True)
        assert sending.items == sorted(claimed, key=lambda m: m.id, reverse=True)
        assert (sending.total_count, pending.total_count, sent.total_count) == (2, 3, 0)
        assert {m.status for m in pending.items} == {MessageStatus.PENDING}

    async def test_the_sent_list_is_newest_sent_first(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        first, second, third = await self.add_at(repository, *([clock.now()] * 3))
        claimed = {m.id: m for m in await self.claim(repository, clock.now())}
        now = clock.now()
        await repository.save_results(
            [
                outcome_of(claimed[first.id], ACCEPTED, now + timedelta(seconds=30)),
                outcome_of(claimed[second.id], ACCEPTED, now + timedelta(seconds=10)),
                outcome_of(claimed[third.id], ACCEPTED, now + timedelta(seconds=20)),
            ]
        )

        page = await repository.list_page(
            PageRequest(status=MessageStatus.SENT, newest_sent_first=True)
        )

        assert ids(page.items) == [first.id, third.id, second.id]
        assert page.total_count == 3

    async def test_messages_sent_at_the_same_moment_list_newest_id_first(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        sent = await self.settle(repository, clock.now(), ACCEPTED, ACCEPTED)

        page = await repository.list_page(
            PageRequest(status=MessageStatus.SENT, newest_sent_first=True)
        )

        assert ids(page.items) == sorted(ids(sent), reverse=True)

    async def test_stats_of_an_empty_store_are_all_zero(
        self, repository: MessageRepository
    ) -> None:
        assert await repository.stats() == MessageStats()

    async def test_stats_count_the_messages_in_each_status(
        self, repository: MessageRepository, clock: ManualClock
    ) -> None:
        await self.settle(repository, clock.now(), ACCEPTED, ACCEPTED, REJECTED, UNAVAILABLE)
        await self.add_at(repository, clock.now(), clock.now(), clock.now())
        await self.claim(repository, clock.now(), limit=1)

        stats = await repository.stats()

        # The 503 went back to pending with a backoff, so it is pending as well.
        assert stats == MessageStats(pending=3, sending=1, sent=2, failed=1)
        assert stats.total == 7
