"""Shared records held in the process: the memory store's instances are one process."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from insider_core.ports import RecordChange

T = TypeVar("T")


class RecordTable:
    """Named values with an optional expiry; what SharedRecords keeps, for the memory store."""

    def __init__(self) -> None:
        self._records: dict[str, tuple[str, datetime | None]] = {}

    def read(self, name: str, now: datetime) -> str | None:
        record = self._records.get(name)
        if record is None or not _live(record, now):
            return None
        return record[0]

    def read_prefix(self, prefix: str, now: datetime) -> dict[str, str]:
        return {
            name: record[0]
            for name, record in self._records.items()
            if name.startswith(prefix) and _live(record, now)
        }

    def write(self, name: str, value: str, expires_at: datetime | None, now: datetime) -> None:
        self._records = {n: r for n, r in self._records.items() if _live(r, now)}
        if expires_at is None or expires_at > now:
            self._records[name] = (value, expires_at)
        else:
            self._records.pop(name, None)

    def change(self, name: str, change: RecordChange[T], now: datetime) -> T:
        result, value, expires_at = change.apply(self.read(name, now))
        if value is not None:
            self.write(name, value, expires_at, now)
        return result


def _live(record: tuple[str, datetime | None], now: datetime) -> bool:
    expires_at = record[1]
    return expires_at is None or expires_at > now
