"""What every instance sharing a store agrees on about the scheduler, kept as SharedRecords:
the operator's decision (record "scheduler") and each live instance's heartbeat (records
"instance:<id>"). Values are msgspec JSON; this module encodes, decodes and changes them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec

from insider_core.breaker import ReceiverStatus

DECISION_RECORD = "scheduler"
INSTANCE_PREFIX = "instance:"


class StartOverrides(msgspec.Struct, frozen=True, kw_only=True):
    """The settings a start asked for, in force until the next stop (None: configured)."""

    interval_seconds: float | None = None
    batch_size: int | None = None
    failure_rate: float | None = None

    @property
    def given(self) -> bool:
        return any(
            v is not None for v in (self.interval_seconds, self.batch_size, self.failure_rate)
        )


class SchedulerDecision(msgspec.Struct, frozen=True, kw_only=True):
    """The operator's last word on the whole service's scheduler. `version` grows by one at
    each change, so an instance can say which decision it has followed."""

    running: bool
    overrides: StartOverrides = StartOverrides()
    changed_by: str
    changed_at: datetime
    version: int


class StartAnswer(StrEnum):
    STARTED = "started"
    ALREADY_RUNNING = "already running"
    CONFLICT = "conflict"
    """Overrides given to a running service: it must be stopped to change its settings."""


def decode_decision(value: str | None) -> SchedulerDecision | None:
    if value is None:
        return None
    try:
        return msgspec.json.decode(value, type=SchedulerDecision)
    except msgspec.DecodeError:
        return None  # unreadable: as if no operator had decided


def encode(value: msgspec.Struct) -> str:
    return msgspec.json.encode(value).decode()


class DecideStart(msgspec.Struct, frozen=True, kw_only=True):
    """A start of the service. Without a decision stored, the service runs when
    `running_without_decision` says so (instances started on AUTO_START_SCHEDULER)."""

    overrides: StartOverrides
    by: str
    at: datetime
    running_without_decision: bool

    def apply(
        self, current: str | None
    ) -> tuple[tuple[StartAnswer, SchedulerDecision], str | None, None]:
        decision = decode_decision(current)
        running = self.running_without_decision if decision is None else decision.running
        if running and self.overrides.given:
            return (StartAnswer.CONFLICT, decision or self._decided(0)), None, None
        if decision is not None and decision.running:
            return (StartAnswer.ALREADY_RUNNING, decision), None, None
        started = self._decided(0 if decision is None else decision.version)
        answer = StartAnswer.ALREADY_RUNNING if running else StartAnswer.STARTED
        return (answer, started), encode(started), None

    def _decided(self, version: int) -> SchedulerDecision:
        return SchedulerDecision(
            running=True,
            overrides=self.overrides,
            changed_by=self.by,
            changed_at=self.at,
            version=version + 1,
        )


class DecideStop(msgspec.Struct, frozen=True, kw_only=True):
    """A stop of the service; gives whether it was running (see DecideStart) and the
    decision in force after it."""

    by: str
    at: datetime
    running_without_decision: bool

    def apply(self, current: str | None) -> tuple[tuple[bool, SchedulerDecision], str | None, None]:
        decision = decode_decision(current)
        running = self.running_without_decision if decision is None else decision.running
        if decision is not None and not decision.running:
            return (False, decision), None, None
        stopped = SchedulerDecision(
            running=False,
            changed_by=self.by,
            changed_at=self.at,
            version=1 if decision is None else decision.version + 1,
        )
        return (running, stopped), encode(stopped), None


class InstanceBeat(msgspec.Struct, frozen=True, kw_only=True):
    """One instance's heartbeat: who it is, what its scheduler did since it started, and the
    decision it has followed (0: none yet)."""

    id: str
    host: str
    pid: int
    version: str
    started_at: datetime
    beat_at: datetime
    running: bool
    following: int
    last_run_at: datetime | None
    next_run_at: datetime | None
    runs_count: int
    messages_sent: int
    messages_failed: int
    consecutive_all_fail_count: int
    last_alert_sent_at: datetime | None
    receiver: ReceiverStatus

    @property
    def record_name(self) -> str:
        return INSTANCE_PREFIX + self.id

    def has_stopped_for(self, decision: SchedulerDecision) -> bool:
        """This instance claims nothing more under `decision` (a stop), and its batches in
        flight are recorded."""
        return self.following >= decision.version and not self.running


def decode_beats(values: dict[str, str]) -> list[InstanceBeat]:
    """The readable beats."""
    beats = []
    for value in values.values():
        try:
            beats.append(msgspec.json.decode(value, type=InstanceBeat))
        except msgspec.DecodeError:
            continue
    return beats
