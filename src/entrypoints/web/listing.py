"""Pages of messages as the API shows them. Over a store that keeps a revision of each
message (RevisionedMessages), the JSON made of a message is kept and reused for as long as
the message keeps its revision: a page then costs one small query for its revisions, plus one
for the messages not seen at those revisions. Never stale: the revisions are read afresh for
every page, and a message that changes gets a revision no JSON was kept under."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import cast

import msgspec

from entrypoints.web.dto import MessageBody
from entrypoints.web.envelopes import PageOf, page_of
from insider_core import MessageRepository, Page, PageRequest, Revision, RevisionedMessages

# Messages kept as JSON, the oldest dropped first: a hundred pages of a hundred messages.
KEPT_BODIES = 10_000
ENCODER = msgspec.json.Encoder()


class MessageListing:
    def __init__(self, repository: MessageRepository, kept: int = KEPT_BODIES) -> None:
        self._repository = repository
        self._revisioned = repository if isinstance(repository, RevisionedMessages) else None
        self._bodies: OrderedDict[Revision, msgspec.Raw] = OrderedDict()
        self._kept = kept

    async def page(self, request: PageRequest) -> PageOf[MessageBody]:
        """The page; over a store with revisions its items are MessageBody already encoded
        (msgspec.Raw), which the response's encoder writes out as they are."""
        if self._revisioned is not None:
            revisions = await self._revisioned.list_revisions(request)
            if revisions is not None:
                bodies = await self._bodies_at(self._revisioned, revisions.items)
                if bodies is not None:
                    page = page_of(_with_items(revisions, bodies), _same)
                    return cast(PageOf[MessageBody], page)
        # The store cannot list by revision, or a message changed between the two queries.
        return page_of(await self._repository.list_page(request), MessageBody.of)

    async def _bodies_at(
        self, store: RevisionedMessages, revisions: Sequence[Revision]
    ) -> list[msgspec.Raw] | None:
        kept = list(map(self._bodies.get, revisions))
        if None not in kept:
            return cast(list[msgspec.Raw], kept)
        missing = [revision for revision, body in zip(revisions, kept, strict=True) if not body]
        fetched = await store.get_revisions(missing)
        if len(fetched) < len(missing):
            return None
        made = {
            revision: msgspec.Raw(ENCODER.encode(MessageBody.of(message)))
            for revision, message in fetched.items()
        }
        self._keep(made)
        return [body or made[revision] for revision, body in zip(revisions, kept, strict=True)]

    def _keep(self, made: dict[Revision, msgspec.Raw]) -> None:
        self._bodies.update(made)
        while len(self._bodies) > self._kept:
            self._bodies.popitem(last=False)


def _with_items(page: Page[Revision], bodies: list[msgspec.Raw]) -> Page[msgspec.Raw]:
    return Page(
        items=bodies, page=page.page, page_size=page.page_size, total_count=page.total_count
    )


def _same(body: msgspec.Raw) -> msgspec.Raw:
    return body
