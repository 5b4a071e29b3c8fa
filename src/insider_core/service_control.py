"""The scheduler of the whole service: every instance sharing a store starts, stops and reports
the same one. A start or stop asked of any instance is the operator's decision, kept in the
store; every instance follows it (see instance_agent.py), and the status adds up what every
live instance reports in its heartbeat."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

import msgspec

from insider_core.errors import StoreUnavailable
from insider_core.ports import Clock, SharedRecords
from insider_core.scheduler import Scheduler, SchedulerStatus
from insider_core.service_breaker import ServiceBreaker
from insider_core.service_state import (
    DECISION_RECORD,
    INSTANCE_PREFIX,
    DecideStart,
    DecideStop,
    InstanceBeat,
    SchedulerDecision,
    StartAnswer,
    StartOverrides,
    decode_beats,
    decode_decision,
    encode,
)
from insider_core.service_status import service_status

log = logging.getLogger(__name__)
ACK_POLL_SECONDS = 0.1


class InstanceIdentity(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    host: str
    pid: int
    version: str
    started_at: datetime


class ServiceControl:
    def __init__(
        self,
        scheduler: Scheduler,
        records: SharedRecords,
        clock: Clock,
        identity: InstanceIdentity,
        shared_breaker: ServiceBreaker | None = None,
        beat_seconds: float = 2.0,
        missed_beats: int = 3,
    ) -> None:
        self.scheduler = scheduler
        self.records = records
        self.clock = clock
        self.identity = identity
        self.shared_breaker = shared_breaker
        self.beat_seconds = beat_seconds
        self.beat_lifetime = timedelta(seconds=beat_seconds * (missed_beats + 0.5))
        """A beat expires after `missed_beats` beats were missed: the instance drops off."""
        self.following = 0
        """The version of the last decision this instance has carried out."""
        self._following = asyncio.Lock()

    async def join(self, auto_start: bool) -> SchedulerDecision | None:
        """Take part in the service: follow the operator's decision if the store holds one,
        else start on `auto_start` (a fresh database). With the store down, start on
        `auto_start`: nothing can be claimed until it is back, and by then the decision is
        followed. It beats first, stopped: a stop decided meanwhile then waits for it."""
        with contextlib.suppress(StoreUnavailable):
            await self.beat()
        try:
            decision = await self.decision()
        except StoreUnavailable as error:
            log.warning("store unavailable: the operator's decision is followed later: %s", error)
            decision = None
        if decision is not None:
            await self.follow(decision)
        elif auto_start and self.scheduler.cannot_start is None:
            self._start_here(StartOverrides())
        with contextlib.suppress(StoreUnavailable):  # the next beat tells
            await self.beat()
        return decision

    async def decision(self) -> SchedulerDecision | None:
        now = self.clock.now()
        return decode_decision(await self.records.read_record(DECISION_RECORD, now))

    async def start(self, overrides: StartOverrides) -> StartAnswer:
        """Start the service (overrides in force until the next stop). CONFLICT: overrides
        were given to a running service, which must be stopped to change its settings."""
        now = self.clock.now()
        change = DecideStart(
            overrides=overrides,
            by=self.identity.id,
            at=now,
            running_without_decision=await self._running_without_decision(),
        )
        answer, decision = await self.records.change_record(DECISION_RECORD, change, now)
        if answer is not StartAnswer.CONFLICT:
            await self.follow(decision)
            await self.beat()
        return answer

    async def stop(self) -> bool:
        """Stop the service; returns once every live instance has stopped claiming and
        recorded its batches in flight (or its beat ran out). False: it was stopped."""
        now = self.clock.now()
        change = DecideStop(
            by=self.identity.id,
            at=now,
            running_without_decision=await self._running_without_decision(),
        )
        was_running, decision = await self.records.change_record(DECISION_RECORD, change, now)
        await self.follow(decision)
        await self.beat()
        await self._until_every_instance_stopped(decision)
        return was_running

    async def follow(self, decision: SchedulerDecision) -> bool:
        """Carry out `decision` here; True when this instance's scheduler changed."""
        async with self._following:
            scheduler = self.scheduler
            changed = False
            if not decision.running:
                changed = await scheduler.stop()
            elif scheduler.cannot_start is None:
                if scheduler.running and scheduler.overrides != decision.overrides:
                    await scheduler.stop()
                changed = self._start_here(decision.overrides)
            self.following = max(self.following, decision.version)
        if changed:
            log.info("scheduler decision followed", extra={"running": decision.running})
        return changed

    def _start_here(self, overrides: StartOverrides) -> bool:
        return self.scheduler.start(
            interval_seconds=overrides.interval_seconds,
            batch_size=overrides.batch_size,
            failure_rate=overrides.failure_rate,
        )

    def my_beat(self) -> InstanceBeat:
        scheduler, identity = self.scheduler, self.identity
        return InstanceBeat(
            id=identity.id,
            host=identity.host,
            pid=identity.pid,
            version=identity.version,
            started_at=identity.started_at,
            beat_at=self.clock.now(),
            running=scheduler.running,
            following=self.following,
            last_run_at=scheduler.last_run_at,
            next_run_at=scheduler.next_run_at if scheduler.running else None,
            runs_count=scheduler.runs_count,
            messages_sent=scheduler.messages_sent,
            messages_failed=scheduler.messages_failed,
            consecutive_all_fail_count=scheduler.consecutive_all_fail_count,
            last_alert_sent_at=scheduler.last_alert_sent_at,
            receiver=scheduler.receiver_status(),
        )

    async def beat(self) -> None:
        beat = self.my_beat()
        expires = beat.beat_at + self.beat_lifetime
        await self.records.write_record(beat.record_name, encode(beat), expires, beat.beat_at)

    async def leave(self) -> None:
        """Drop off the list of live instances at once (a clean shutdown)."""
        now = self.clock.now()
        await self.records.write_record(INSTANCE_PREFIX + self.identity.id, "", now, now)

    async def instances(self) -> list[InstanceBeat]:
        """Every live instance, this one as it is now; the oldest first."""
        now = self.clock.now()
        beats = decode_beats(await self.records.read_records(INSTANCE_PREFIX, now))
        mine = self.my_beat()
        every = [b for b in beats if b.id != mine.id] + [mine]
        return sorted(every, key=lambda beat: (beat.started_at, beat.id))

    async def status(self) -> SchedulerStatus:
        """The whole service's; with the store down, what this instance knows of itself."""
        receiver = self.scheduler.receiver_status()
        try:
            decision = await self.decision()
            instances = await self.instances()
            if self.shared_breaker is not None:
                receiver = await self.shared_breaker.status()
        except StoreUnavailable:
            decision, instances = None, [self.my_beat()]
        return service_status(self.scheduler, decision, instances, receiver)

    async def _running_without_decision(self) -> bool:
        """Before any operator decision, the service runs if an instance auto-started."""
        return any(beat.running for beat in await self.instances())

    async def _until_every_instance_stopped(self, decision: SchedulerDecision) -> None:
        timeout = self.scheduler.config.shutdown_timeout_seconds + self.beat_lifetime.seconds
        deadline = self.clock.now() + timedelta(seconds=timeout)
        while True:
            waiting = [b.id for b in await self.instances() if not b.has_stopped_for(decision)]
            if not waiting:
                return
            if self.clock.now() >= deadline:
                log.error("instances still running after a stop", extra={"instances": waiting})
                return
            await self.clock.sleep(ACK_POLL_SECONDS)
