"""One circuit breaker for every instance sharing a store (record "breaker").

Each instance's CircuitBreaker watches its own sends. What it decides (it opened, its probe
failed or succeeded, the receiver asked for a pause) is published at once to the shared record,
and every instance adopts the record within a second: an outage seen by one holds them all.
Probing is leased: an instance takes the probe atomically, and the others wait for its answer
(or for its lease to run out, should it die). The alert is sent by the instance whose change
opened or closed the service's breaker, so the operator hears of each once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

import msgspec

from insider_core.breaker import (
    BreakerEvent,
    BreakerState,
    BreakerView,
    CircuitBreaker,
    ReceiverStatus,
)
from insider_core.errors import StoreUnavailable
from insider_core.ports import Clock, SharedRecords
from insider_core.service_state import encode

BREAKER_RECORD = "breaker"
CLOSED = BreakerView(state=BreakerState.CLOSED)


class BreakerRecord(msgspec.Struct, frozen=True, kw_only=True):
    view: BreakerView = CLOSED
    prober: str | None = None
    """The instance holding the probe lease, until `view.next_probe_at`."""

    def status(self) -> ReceiverStatus:
        view = self.view
        return ReceiverStatus(
            state=view.state,
            since=view.since,
            reason=view.reason,
            paused_until=view.paused_until,
            next_probe_at=view.next_probe_at if view.state is BreakerState.OPEN else None,
        )


def decode_breaker(value: str | None) -> BreakerRecord | None:
    if value is None:
        return None
    try:
        return msgspec.json.decode(value, type=BreakerRecord)
    except msgspec.DecodeError:
        return None


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((t for t in (a, b) if t is not None), default=None)


class Publish(msgspec.Struct, frozen=True, kw_only=True):
    """Apply one instance's events to the service's breaker; gives the state the service's
    breaker moved to (None: it stayed open or stayed closed) and the record."""

    events: tuple[BreakerEvent, ...]
    local: BreakerView
    at: datetime

    def apply(
        self, current: str | None
    ) -> tuple[tuple[BreakerState | None, BreakerRecord], str, None]:
        record = decode_breaker(current) or BreakerRecord()
        was_closed = record.view.state is BreakerState.CLOSED
        view, prober = record.view, record.prober
        for event in self.events:
            closed = view.state is BreakerState.CLOSED
            if event is BreakerEvent.OPENED and closed:
                view, prober = msgspec.structs.replace(self.local, since=self.at), None
            elif event is BreakerEvent.PROBE_FAILED and not closed:
                view, prober = self.local, None
            elif event is BreakerEvent.PROBE_SUCCEEDED and not closed:
                view, prober = BreakerView(state=BreakerState.CLOSED, since=self.at), None
        paused = _later(record.view.paused_until, self.local.paused_until)
        view = msgspec.structs.replace(view, paused_until=paused)
        changed = was_closed != (view.state is BreakerState.CLOSED)
        kept = BreakerRecord(view=view, prober=prober)
        return (view.state if changed else None, kept), encode(kept), None


class TakeProbe(msgspec.Struct, frozen=True, kw_only=True):
    """The probe lease, if the service's breaker is open, its probe is due and no live lease
    holds it; gives whether it was taken, and the record."""

    by: str
    at: datetime
    lease: timedelta

    def apply(
        self, current: str | None
    ) -> tuple[tuple[bool, BreakerRecord | None], str | None, None]:
        record = decode_breaker(current)
        if record is None or record.view.state is BreakerState.CLOSED:
            return (False, record), None, None
        view = record.view
        due = view.next_probe_at is None or view.next_probe_at <= self.at
        paused = view.paused_until is not None and view.paused_until > self.at
        if not due or paused:
            return (False, record), None, None
        leased = BreakerRecord(
            view=msgspec.structs.replace(
                view, state=BreakerState.HALF_OPEN, next_probe_at=self.at + self.lease
            ),
            prober=self.by,
        )
        return (True, leased), encode(leased), None


class ServiceBreaker:
    """An instance's part in the service's breaker."""

    def __init__(
        self,
        breaker: CircuitBreaker,
        records: SharedRecords,
        clock: Clock,
        instance_id: str,
        probe_lease_seconds: float,
        alerts: Callable[[ReceiverStatus], None] | None = None,
    ) -> None:
        self.breaker = breaker
        self.records = records
        self.clock = clock
        self.instance_id = instance_id
        self.probe_lease = timedelta(seconds=probe_lease_seconds)
        self.alerts = alerts
        self.changed = asyncio.Event()
        """Set when this instance's breaker has something to publish."""
        self._events: list[BreakerEvent] = []
        breaker.watchers.append(self._on_event)

    def _on_event(self, event: BreakerEvent) -> None:
        self._events.append(event)
        self.changed.set()

    async def allowance(self, wanted: int) -> int:
        """How many messages may be claimed now (see CircuitBreaker.allowance); when the probe
        is due, only the instance that takes the lease probes."""
        now = self.clock.now()
        if self.breaker.probe_due(now):
            if self._events:
                await self.sync()
            taken, record = await self.records.change_record(
                BREAKER_RECORD, TakeProbe(by=self.instance_id, at=now, lease=self.probe_lease), now
            )
            if not taken and record is not None:
                self._adopt(record, now)
        return self.breaker.allowance(wanted, now)

    async def sync(self) -> None:
        """Publish this instance's events, or else adopt the service's record."""
        now = self.clock.now()
        self.changed.clear()
        if not self._events:
            record = decode_breaker(await self.records.read_record(BREAKER_RECORD, now))
            if record is not None:
                self._adopt(record, now)
            return
        events, self._events = tuple(self._events), []
        change = Publish(events=events, local=self.breaker.view(), at=now)
        try:
            moved, kept = await self.records.change_record(BREAKER_RECORD, change, now)
        except StoreUnavailable:
            self._events[:0] = events
            raise
        if moved is not None and self.alerts is not None:
            self.alerts(kept.status())
        if not self._events:
            self._adopt(kept, now)

    def _adopt(self, record: BreakerRecord, now: datetime) -> None:
        """Follow the record, except the lease this instance holds: its probe is due."""
        if record.prober == self.instance_id and record.view.state is BreakerState.HALF_OPEN:
            return
        self.breaker.adopt(record.view, now)

    async def status(self) -> ReceiverStatus:
        """The service's breaker, as the store holds it (this instance's before any was
        published)."""
        now = self.clock.now()
        record = decode_breaker(await self.records.read_record(BREAKER_RECORD, now))
        return self.breaker.status() if record is None else record.status()
