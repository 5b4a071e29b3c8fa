"""The behaviour every SharedRecords promises (what instances sharing a store agree on).
Mixed into a repository's contract class: its `repository` fixture holds the records."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from insider_core import SharedRecords, StoreUnavailable

NOW = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)
SECOND = timedelta(seconds=1)


class Increment:
    """Counts up from nothing; gives the count it kept."""

    def apply(self, current: str | None) -> tuple[int, str | None, datetime | None]:
        count = int(current or "0") + 1
        return count, str(count), None


class ReadOnly:
    def apply(self, current: str | None) -> tuple[str | None, str | None, datetime | None]:
        return current, None, None


class KeepFor:
    def __init__(self, value: str, expires_at: datetime) -> None:
        self.value = value
        self.expires_at = expires_at

    def apply(self, current: str | None) -> tuple[None, str | None, datetime | None]:
        return None, self.value, self.expires_at


class SharedRecordsContract:
    @pytest.fixture
    def records(self, repository: Any) -> SharedRecords:
        records: SharedRecords = repository
        return records

    async def test_a_record_never_written_reads_as_absent(self, records: SharedRecords) -> None:
        assert await records.read_record("scheduler", NOW) is None

    async def test_a_written_record_reads_back_byte_for_byte(self, records: SharedRecords) -> None:
        value = '{"running":true,"by":"çağ 🚀"}'

        await records.write_record("scheduler", value, None, NOW)

        assert await records.read_record("scheduler", NOW) == value

    async def test_a_write_replaces_the_record(self, records: SharedRecords) -> None:
        await records.write_record("scheduler", "first", None, NOW)
        await records.write_record("scheduler", "second", None, NOW)

        assert await records.read_record("scheduler", NOW) == "second"

    async def test_a_record_reads_as_absent_once_it_expires(self, records: SharedRecords) -> None:
        await records.write_record("instance:a", "beat", NOW + SECOND, NOW)

        assert await records.read_record("instance:a", NOW + SECOND / 2) == "beat"
        assert await records.read_record("instance:a", NOW + SECOND) is None

    async def test_writing_a_record_at_its_expiry_removes_it(self, records: SharedRecords) -> None:
        await records.write_record("instance:a", "beat", None, NOW)
        await records.write_record("instance:a", "gone", NOW, NOW)

        assert await records.read_record("instance:a", NOW - SECOND) is None

    async def test_names_are_exact_not_patterns_nor_case_blind(
        self, records: SharedRecords
    ) -> None:
        await records.write_record("instance:a_b", "1", None, NOW)
        await records.write_record("Instance:A_B", "2", None, NOW)

        assert await records.read_record("instance:a%", NOW) is None
        assert await records.read_record("instance:a_b", NOW) == "1"
        assert await records.read_records("instance:a_", NOW) == {"instance:a_b": "1"}
        assert await records.read_records("instance:a%", NOW) == {}

    async def test_records_are_listed_by_prefix_while_they_live(
        self, records: SharedRecords
    ) -> None:
        await records.write_record("instance:a", "a", NOW + 10 * SECOND, NOW)
        await records.write_record("instance:", "", NOW + SECOND, NOW)
        await records.write_record("scheduler", "s", None, NOW)

        assert await records.read_records("instance:", NOW) == {
            "instance:a": "a",
            "instance:": "",
        }
        assert await records.read_records("instance:", NOW + 2 * SECOND) == {"instance:a": "a"}

    async def test_expired_records_are_dropped_when_another_is_written(
        self, records: SharedRecords
    ) -> None:
        await records.write_record("signout:old", "x", NOW + SECOND, NOW)
        await records.write_record("signout:new", "y", None, NOW + 2 * SECOND)

        # Read as of a time before the expiry: the old record is gone, not merely hidden.
        assert await records.read_records("signout:", NOW) == {"signout:new": "y"}

    async def test_a_change_reads_the_record_and_keeps_what_it_gives(
        self, records: SharedRecords
    ) -> None:
        first = await records.change_record("counter", Increment(), NOW)
        second = await records.change_record("counter", Increment(), NOW)

        assert (first, second) == (1, 2)
        assert await records.read_record("counter", NOW) == "2"

    async def test_a_change_that_keeps_nothing_leaves_the_record_as_it_was(
        self, records: SharedRecords
    ) -> None:
        assert await records.change_record("secret", ReadOnly(), NOW) is None
        await records.write_record("secret", "kept", None, NOW)

        assert await records.change_record("secret", ReadOnly(), NOW) == "kept"
        assert await records.read_record("secret", NOW) == "kept"

    async def test_a_change_sees_an_expired_record_as_absent(self, records: SharedRecords) -> None:
        await records.write_record("probe", "7", NOW + SECOND, NOW)

        assert await records.change_record("probe", Increment(), NOW + 2 * SECOND) == 1

    async def test_a_change_can_give_its_record_an_expiry(self, records: SharedRecords) -> None:
        await records.change_record("probe", KeepFor("held", NOW + SECOND), NOW)

        assert await records.read_record("probe", NOW) == "held"
        assert await records.read_record("probe", NOW + SECOND) is None

    async def test_concurrent_changes_of_one_record_never_lose_one(
        self, records: SharedRecords
    ) -> None:
        counts = await asyncio.gather(
            *(records.change_record("counter", Increment(), NOW) for _ in range(20))
        )

        assert sorted(counts) == list(range(1, 21))
        assert await records.read_record("counter", NOW) == "20"

    async def test_an_unreachable_store_refuses_records_with_store_unavailable(
        self, unreachable_repository: Any
    ) -> None:
        records: SharedRecords = unreachable_repository

        with pytest.raises(StoreUnavailable):
            await records.read_record("scheduler", NOW)
        with pytest.raises(StoreUnavailable):
            await records.read_records("instance:", NOW)
        with pytest.raises(StoreUnavailable):
            await records.write_record("scheduler", "x", None, NOW)
        with pytest.raises(StoreUnavailable):
            await records.change_record("counter", Increment(), NOW)
