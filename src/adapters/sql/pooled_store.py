"""What the MySQL and PostgreSQL stores share around their pool: requests for the same page
or for the statistics at the same moment share one read, and closing and the ping go to the
pool. Each store says how it reads a page and the statistics, and how it applies its
migrations."""

from __future__ import annotations

from abc import abstractmethod
from typing import Generic, Protocol, TypeVar

from adapters.sql.shared_reads import SharedReads
from insider_core.message import Message
from insider_core.ports import Store
from insider_core.values import MessageStats, Page, PageRequest


class Pool(Protocol):
    async def close(self) -> None: ...

    async def ping(self) -> bool: ...


P = TypeVar("P", bound=Pool)


class PooledStore(Store, Generic[P]):
    def __init__(self, database: P) -> None:
        self._database = database
        self._pages: SharedReads[PageRequest, Page[Message]] = SharedReads(self._read_page)
        self._stats: SharedReads[None, MessageStats] = SharedReads(self._read_stats)

    async def close(self) -> None:
        await self._database.close()

    async def list_page(self, request: PageRequest) -> Page[Message]:
        return await self._pages.read(request)

    async def stats(self) -> MessageStats:
        return await self._stats.read(None)

    async def ping(self) -> bool:
        """False, never an error, when the server cannot be reached."""
        return await self._database.ping()

    @abstractmethod
    async def migrate(self) -> list[str]:
        """Names of the migrations applied by this call."""

    @abstractmethod
    async def _read_page(self, request: PageRequest) -> Page[Message]: ...

    @abstractmethod
    async def _read_stats(self, _: None) -> MessageStats: ...
