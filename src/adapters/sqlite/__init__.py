"""The embedded message store: SQLite through aiosqlite."""

from adapters.sqlite.repository import SqliteMessageRepository

__all__ = ["SqliteMessageRepository"]
