"""The cluster-wide rate limit: send slots booked in the shared store.

Under a limit of R messages a second, the receiver gets one message per slot, and slots are
1/R seconds apart. The store keeps a single time, the start of the next free slot, for every
process sharing it. A process books consecutive slots from there (never more than it can use
within `horizon`, and only when the first starts within `horizon`, but never sooner than `lead`
from now, so the claim is done before the first slot), claims that many messages, and sends
each at its slot. Whatever the number of processes, no two slots overlap, so any
1-second window at the receiver holds at most R (+1) slots' sends. The booking's arithmetic is
here; the store only applies it atomically (see SendSlotLedger).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import msgspec

from insider_core.ports import Clock, SendRate, SendSlotLedger
from insider_core.values import SlotGrant

BOOKING_HORIZON = timedelta(seconds=1)
BOOKING_LEAD = timedelta(milliseconds=250)
"""The first slot of a booking is never sooner than this: the time to claim the messages.
A slot whose message is not ready in time is sent late, into the next slots' second."""


class SlotBooking(msgspec.Struct, frozen=True, kw_only=True):
    wanted: int
    now: datetime
    spacing: timedelta
    horizon: timedelta = BOOKING_HORIZON
    lead: timedelta = BOOKING_LEAD

    def apply(self, next_free: datetime | None) -> tuple[SlotGrant, datetime | None]:
        """The grant, and the next free slot it leaves."""
        soonest = self.now + self.lead
        start = soonest if next_free is None else max(next_free, soonest)
        if start > soonest + self.horizon or self.wanted <= 0:
            ready = start - self.horizon - self.lead
            return SlotGrant(start=ready, count=0, spacing=self.spacing), next_free
        within = max(1, math.floor(self.horizon / self.spacing))
        grant = SlotGrant(start=start, count=min(self.wanted, within), spacing=self.spacing)
        return grant, grant.end


class SlotReturn(msgspec.Struct, frozen=True, kw_only=True):
    """Unused slots at the end of a grant go back, unless someone booked after them."""

    grant: SlotGrant
    unused: int

    def apply(self, next_free: datetime | None) -> tuple[None, datetime | None]:
        if self.unused <= 0 or next_free != self.grant.end:
            return None, next_free
        return None, self.grant.slot(self.grant.count - self.unused)


class Unlimited(SendRate):
    """No limit: every wanted slot at once, nothing booked anywhere."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def book(self, wanted: int) -> SlotGrant:
        return SlotGrant(start=self.clock.now(), count=wanted, spacing=timedelta(0))

    async def give_back(self, grant: SlotGrant, used: int) -> None:
        return None


class ClusterRateLimit(SendRate):
    """At most `per_second` sends a second across every process booking in `ledger`."""

    def __init__(self, ledger: SendSlotLedger, clock: Clock, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be greater than 0")
        self.ledger = ledger
        self.clock = clock
        self.spacing = timedelta(seconds=1 / per_second)

    async def book(self, wanted: int) -> SlotGrant:
        booking = SlotBooking(wanted=wanted, now=self.clock.now(), spacing=self.spacing)
        grant: SlotGrant = await self.ledger.book_slots(booking)
        return grant

    async def give_back(self, grant: SlotGrant, used: int) -> None:
        if used < grant.count:
            await self.ledger.book_slots(SlotReturn(grant=grant, unused=grant.count - used))
