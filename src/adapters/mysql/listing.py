"""Pages served from the messages already read, for as long as each keeps its revision.

Every change to a row raises its `revision` (the trigger `messages_revised` of 0010_outbox, a
change made by hand included). A page is read as `[id, revision]` pairs in one small query;
the messages kept at exactly those revisions are reused, and only the others are fetched, by
id and revision. Requests for the same page at the same moment share that read (ReadGroups).
Never stale: each request is served revisions read after it arrived, and a message that
changed has a revision nothing was kept under."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence

import msgspec

from adapters.mysql.grouping import ReadGroups
from insider_core.message import Message
from insider_core.values import Page, PageRequest

# How many messages are kept, the oldest kept dropped first: at most some 20 MiB with long
# (1,000-character) texts, a few MiB with short ones.
KEPT_MESSAGES = 10_000


class Revision(msgspec.Struct, frozen=True, array_like=True):
    """A row as it stands: its id and its revision."""

    id: int
    revision: int


ListRevisions = Callable[[PageRequest], Awaitable[Page[Revision] | None]]
FetchRevisions = Callable[[Sequence[Revision]], Awaitable[dict[Revision, Message]]]


class PagesByRevision:
    """`list_revisions` reads a page as revisions (None when it cannot); `fetch` reads the
    messages still at the revisions asked for, leaving out those that changed since."""

    def __init__(
        self,
        list_revisions: ListRevisions,
        fetch: FetchRevisions,
        *,
        kept_messages: int = KEPT_MESSAGES,
    ) -> None:
        self._list_revisions = list_revisions
        self._fetch = fetch
        self._reads: ReadGroups[PageRequest, Page[Message] | None] = ReadGroups(self._read)
        self._kept: OrderedDict[Revision, Message] = OrderedDict()
        self._kept_messages = kept_messages

    @property
    def kept(self) -> int:
        return len(self._kept)

    async def page(self, request: PageRequest) -> Page[Message] | None:
        """The page; None when it cannot be read by revision (the store cut the list short,
        or a message changed between the two reads): the caller then reads it plainly."""
        return await self._reads.read(request)

    async def _read(self, request: PageRequest) -> Page[Message] | None:
        listed = await self._list_revisions(request)
        if listed is None:
            return None
        found = {r: self._kept[r] for r in listed.items if r in self._kept}
        missing = [revision for revision in listed.items if revision not in found]
        if missing:
            fetched = await self._fetch(missing)
            if len(fetched) < len(missing):
                return None
            self._keep(fetched)
            found.update(fetched)
        items = [found[revision] for revision in listed.items]
        return Page(
            items=items,
            page=listed.page,
            page_size=listed.page_size,
            total_count=listed.total_count,
        )

    def _keep(self, fetched: dict[Revision, Message]) -> None:
        self._kept.update(fetched)
        while len(self._kept) > self._kept_messages:
            self._kept.popitem(last=False)
