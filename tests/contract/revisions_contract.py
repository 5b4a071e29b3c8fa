"""The behaviour every RevisionedMessages store promises: a listing by revision names what the
listing names, and every change to a message gives it a revision it never had. Subclass
`RevisionedMessagesContract` beside the repository contract of each store that keeps
revisions; it uses the same `repository` fixture."""

from __future__ import annotations

from typing import Any

from contract.repository_contract import (
    ACCEPTED,
    LEASE,
    REJECTED,
    START,
    UNAVAILABLE,
    new_message,
    outcome_of,
)
from insider_core import MessageStatus, PageRequest, Revision, RevisionedMessages


class RevisionedMessagesContract:
    async def revision_of(self, repository: Any, message_id: int) -> int:
        page = await repository.list_revisions(PageRequest(page=1, page_size=100))
        [revision] = [r.revision for r in page.items if r.message_id == message_id]
        return int(revision)

    async def test_a_listing_by_revision_names_what_the_listing_names(
        self, repository: RevisionedMessages
    ) -> None:
        store: Any = repository
        for n in range(7):
            await store.add(new_message(START, content=f"message {n}"))
        claimed = await store.claim_due(3, START, START + LEASE, "token")
        await store.save_results([outcome_of(m, ACCEPTED, START + LEASE / 2) for m in claimed[:2]])
        requests = [
            PageRequest(page=1, page_size=3),
            PageRequest(page=2, page_size=3),
            PageRequest(page=9, page_size=3),
            PageRequest(page=1, page_size=10, status=MessageStatus.PENDING),
            PageRequest(page=1, page_size=10, status=MessageStatus.SENT, newest_sent_first=True),
        ]

        for request in requests:
            listed = await store.list_page(request)
            revised = await repository.list_revisions(request)
            assert revised is not None
            assert [r.message_id for r in revised.items] == [m.id for m in listed.items]
            assert (revised.total_count, revised.page, revised.page_size) == (
                listed.total_count,
                listed.page,
                listed.page_size,
            )

    async def test_every_change_gives_a_message_a_revision_it_never_had(
        self, repository: RevisionedMessages
    ) -> None:
        store: Any = repository
        message, _ = await store.add(new_message(START))
        seen = [await self.revision_of(store, message.id)]

        await store.claim_due(1, START, START + LEASE, "first")
        seen.append(await self.revision_of(store, message.id))
        [recovered] = await store.claim_due(1, START + LEASE * 2, START + LEASE * 3, "second")
        seen.append(await self.revision_of(store, message.id))
        await store.save_results([outcome_of(recovered, REJECTED, START + LEASE * 2)])
        seen.append(await self.revision_of(store, message.id))
        assert await store.replay_one(message.id, START + LEASE * 3) is not None
        seen.append(await self.revision_of(store, message.id))
        [again] = await store.claim_due(1, START + LEASE * 3, START + LEASE * 4, "third")
        await store.save_results([outcome_of(again, UNAVAILABLE, START + LEASE * 3)])
        seen.append(await self.revision_of(store, message.id))
        await store.claim_due(1, START + LEASE * 99, START + LEASE * 100, "fourth")
        await store.replay_all(START + LEASE * 99)  # not failed: changes nothing
        seen.append(await self.revision_of(store, message.id))

        assert len(set(seen)) == len(seen) == 7

    async def test_a_write_that_changes_nothing_keeps_the_revision(
        self, repository: RevisionedMessages
    ) -> None:
        store: Any = repository
        message, _ = await store.add(new_message(START))
        [claimed] = await store.claim_due(1, START, START + LEASE, "token")
        before = await self.revision_of(store, message.id)

        stale = outcome_of(claimed, ACCEPTED, START, token="someone-else")
        assert await store.save_results([stale]) == 0
        _, created = await store.add(new_message(START, key=message.idempotency_key))

        assert created is False
        assert await self.revision_of(store, message.id) == before

    async def test_messages_are_fetched_only_at_the_revision_asked_for(
        self, repository: RevisionedMessages
    ) -> None:
        store: Any = repository
        kept, _ = await store.add(new_message(START, content="kept"))
        await store.add(new_message(START, content="changed"))
        page = await repository.list_revisions(PageRequest(page=1, page_size=10))
        assert page is not None
        await store.claim_due(1, START, START + LEASE, "token")  # the oldest: `kept`
        now = await repository.list_revisions(PageRequest(page=1, page_size=10))
        assert now is not None

        fetched = await repository.get_revisions([*page.items, Revision(999_999, 0)])
        fetched_now = await repository.get_revisions(now.items)

        assert [m.content for m in fetched.values()] == ["changed"]
        assert {m.content for m in fetched_now.values()} == {"kept", "changed"}
        assert fetched_now[Revision(kept.id, await self.revision_of(store, kept.id))] == (
            await store.get(kept.id)
        )
        assert await repository.get_revisions([]) == {}
