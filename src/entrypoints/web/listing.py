"""Pages of messages as the API shows them. Over a store that keeps a revision of each
message (RevisionedMessages), the JSON made of a message is kept and reused for as long as
the message keeps its revision: a page then costs one small query for its revisions, plus one
for the messages not seen at those revisions. Requests for the same page at the same moment
share that query (ReadGroups). Never stale: each request is served revisions read after it
arrived, and a message that changes gets a revision no JSON was kept under."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import cast

import msgspec

from entrypoints.web.dto import MessageBody
from entrypoints.web.envelopes import PageOf, page_of
from entrypoints.web.read_groups import ReadGroups
from insider_core import MessageRepository, Page, PageRequest, Revision, RevisionedMessages

# How much message JSON is kept, the oldest dropped first: at 400 bytes a message (a short
# text), some 40,000 messages; fewer when messages are long.
KEPT_BYTES = 16 * 1024 * 1024
ENCODER = msgspec.json.Encoder()


class MessageListing:
    def __init__(self, repository: MessageRepository, kept_bytes: int = KEPT_BYTES) -> None:
        self._repository = repository
        self._revisioned = repository if isinstance(repository, RevisionedMessages) else None
        if self._revisioned is not None:
            self._revisions = ReadGroups(self._revisioned.list_revisions)
        self._bodies: OrderedDict[Revision, msgspec.Raw] = OrderedDict()
        self._kept_bytes = kept_bytes
        self.kept_bytes = 0

    async def page(self, request: PageRequest) -> PageOf[MessageBody]:
        """The page; over a store with revisions its items are MessageBody already encoded
        (msgspec.Raw), which the response's encoder writes out as they are."""
        if self._revisioned is not None:
            revisions = await self._revisions.read(request)
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
        missing = [revision for revision, body in zip(revisions, kept, strict=True) if body is None]
        fetched = await store.get_revisions(missing)
        if len(fetched) < len(missing):
            return None
        made = {
            revision: msgspec.Raw(ENCODER.encode(MessageBody.of(message)))
            for revision, message in fetched.items()
        }
        self._keep(made)
        return [
            made[revision] if body is None else body
            for revision, body in zip(revisions, kept, strict=True)
        ]

    def _keep(self, made: dict[Revision, msgspec.Raw]) -> None:
        for revision, body in made.items():
            if revision not in self._bodies:  # a listing beside this one may have made it too
                self._bodies[revision] = body
                self.kept_bytes += len(body)
        while self.kept_bytes > self._kept_bytes:
            _, dropped = self._bodies.popitem(last=False)
            self.kept_bytes -= len(dropped)


def _with_items(page: Page[Revision], bodies: list[msgspec.Raw]) -> Page[msgspec.Raw]:
    return Page(
        items=bodies, page=page.page, page_size=page.page_size, total_count=page.total_count
    )


def _same(body: msgspec.Raw) -> msgspec.Raw:
    return body
