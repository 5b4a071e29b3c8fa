"""The behaviour every SendSlotLedger promises (the store behind the cluster-wide rate limit).
Mixed into a repository's contract class: its `repository` fixture is the ledger."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from insider_core import SendSlotLedger, SlotGrant, StoreUnavailable
from insider_core.send_rate import SlotBooking, SlotReturn

START = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)
SPACING = timedelta(milliseconds=10)  # 100 a second


LEAD = timedelta(milliseconds=250)


def booking(wanted: int, now: datetime = START) -> SlotBooking:
    return SlotBooking(wanted=wanted, now=now, spacing=SPACING, lead=LEAD)


class SendSlotLedgerContract:
    @pytest.fixture
    def ledger(self, repository: Any) -> SendSlotLedger:
        ledger: SendSlotLedger = repository
        return ledger

    async def test_an_unreachable_store_refuses_a_booking_with_store_unavailable(
        self, unreachable_repository: Any
    ) -> None:
        ledger: SendSlotLedger = unreachable_repository

        with pytest.raises(StoreUnavailable):
            await ledger.book_slots(booking(30))

    async def test_the_first_booking_starts_as_soon_as_a_claim_can_be_made(
        self, ledger: SendSlotLedger
    ) -> None:
        grant = await ledger.book_slots(booking(30))

        assert grant == SlotGrant(start=START + LEAD, count=30, spacing=SPACING)

    async def test_a_booking_never_takes_more_than_a_second_of_slots(
        self, ledger: SendSlotLedger
    ) -> None:
        grant = await ledger.book_slots(booking(500))

        assert grant.count == 100

    async def test_the_next_booking_starts_where_the_last_one_ended(
        self, ledger: SendSlotLedger
    ) -> None:
        first = await ledger.book_slots(booking(30))
        second = await ledger.book_slots(booking(30))

        assert second.start == first.end == START + LEAD + SPACING * 30

    async def test_slots_more_than_a_second_ahead_are_not_booked_yet(
        self, ledger: SendSlotLedger
    ) -> None:
        await ledger.book_slots(booking(100))
        await ledger.book_slots(booking(100))

        refused = await ledger.book_slots(booking(10))

        assert refused.count == 0
        assert refused.start == START + timedelta(seconds=1)  # when booking can succeed again

    async def test_a_schedule_left_in_the_past_starts_again_from_now(
        self, ledger: SendSlotLedger
    ) -> None:
        await ledger.book_slots(booking(10))
        later = START + timedelta(minutes=5)

        grant = await ledger.book_slots(booking(10, later))

        assert grant.start == later + LEAD

    async def test_unused_slots_at_the_end_go_back_to_the_next_booking(
        self, ledger: SendSlotLedger
    ) -> None:
        grant = await ledger.book_slots(booking(30))
        await ledger.book_slots(SlotReturn(grant=grant, unused=20))

        after = await ledger.book_slots(booking(5))

        assert after.start == START + LEAD + SPACING * 10

    async def test_slots_go_back_only_if_nobody_booked_after_them(
        self, ledger: SendSlotLedger
    ) -> None:
        grant = await ledger.book_slots(booking(30))
        other = await ledger.book_slots(booking(10))
        await ledger.book_slots(SlotReturn(grant=grant, unused=20))

        after = await ledger.book_slots(booking(5))

        assert after.start == other.end

    async def test_concurrent_bookings_never_share_a_slot(self, ledger: SendSlotLedger) -> None:
        grants = await asyncio.gather(*(ledger.book_slots(booking(7)) for _ in range(12)))

        slots = sorted(grant.slot(n) for grant in grants for n in range(grant.count))
        assert len(slots) == len(set(slots)) == 84
        assert all(b - a == SPACING for a, b in itertools.pairwise(slots))
