"""What the scheduler routes read and write."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from entrypoints.settings import BatchSize
from entrypoints.web.dto import Camel, Timestamp, optional_timestamp
from entrypoints.web.envelopes import Success
from insider_core import InstanceBeat, ReceiverStatus, SchedulerStatus, utc_timestamp

# Litestar drops a bound of 0 from the OpenAPI document, so these say it again.
ABOVE_ZERO = {"extra": {"exclusiveMinimum": 0}}
ZERO_OR_MORE = {"extra": {"minimum": 0}}


class StartScheduler(Camel, frozen=True, forbid_unknown_fields=True):
    interval: (
        Annotated[
            float,
            msgspec.Meta(gt=0, le=1440, extra_json_schema={**ABOVE_ZERO, "description": "minutes"}),
        ]
        | None
    ) = None
    interval_seconds: (
        Annotated[float, msgspec.Meta(gt=0, le=86_400, extra_json_schema=ABOVE_ZERO)] | None
    ) = None
    failure_rate: (
        Annotated[float, msgspec.Meta(ge=0, le=1, extra_json_schema=ZERO_OR_MORE)] | None
    ) = None
    batch_size: BatchSize | None = None

    @property
    def seconds(self) -> float | None:
        """intervalSeconds wins over interval (minutes)."""
        if self.interval_seconds is not None:
            return self.interval_seconds
        return None if self.interval is None else self.interval * 60


class ReceiverBody(Camel, frozen=True):
    """The circuit breaker in front of the webhook receiver (flow control)."""

    state: Literal["closed", "open", "half-open"]
    since: Timestamp | None
    reason: str | None
    paused_until: Timestamp | None
    next_probe_at: Timestamp | None

    @classmethod
    def of(cls, status: ReceiverStatus) -> ReceiverBody:
        return cls(
            state=status.state.value,
            since=optional_timestamp(status.since),
            reason=status.reason,
            paused_until=optional_timestamp(status.paused_until),
            next_probe_at=optional_timestamp(status.next_probe_at),
        )


class InstanceBody(Camel, frozen=True):
    """One live instance of the service, as its last heartbeat told."""

    id: str
    host: str
    pid: int
    version: str
    started_at: Timestamp
    last_beat_at: Timestamp
    running: bool
    last_run_at: Timestamp | None
    runs_count: int
    messages_sent: int
    messages_failed: int
    receiver: Literal["closed", "open", "half-open"]

    @classmethod
    def of(cls, beat: InstanceBeat) -> InstanceBody:
        return cls(
            id=beat.id,
            host=beat.host,
            pid=beat.pid,
            version=beat.version,
            started_at=utc_timestamp(beat.started_at),
            last_beat_at=utc_timestamp(beat.beat_at),
            running=beat.running,
            last_run_at=optional_timestamp(beat.last_run_at),
            runs_count=beat.runs_count,
            messages_sent=beat.messages_sent,
            messages_failed=beat.messages_failed,
            receiver=beat.receiver.state.value,
        )


class SchedulerBody(Camel, frozen=True):
    """The whole service's scheduler: the operator's decision, the settings in force, what
    the live instances did since each started (added up), and each of them."""

    running: bool
    last_run_at: Timestamp | None
    next_run_at: Timestamp | None
    interval_seconds: float
    batch_size: int
    failure_rate: float
    runs_count: int
    messages_sent: int
    messages_failed: int
    consecutive_all_fail_count: int
    last_alert_sent_at: Timestamp | None
    receiver: ReceiverBody
    instances: list[InstanceBody]

    @classmethod
    def of(cls, status: SchedulerStatus) -> SchedulerBody:
        return cls(
            running=status.running,
            last_run_at=optional_timestamp(status.last_run_at),
            next_run_at=optional_timestamp(status.next_run_at),
            interval_seconds=status.interval_seconds,
            batch_size=status.batch_size,
            failure_rate=status.failure_rate,
            runs_count=status.runs_count,
            messages_sent=status.messages_sent,
            messages_failed=status.messages_failed,
            consecutive_all_fail_count=status.consecutive_all_fail_count,
            last_alert_sent_at=optional_timestamp(status.last_alert_sent_at),
            receiver=ReceiverBody.of(status.receiver),
            instances=[InstanceBody.of(beat) for beat in status.instances],
        )


class SchedulerSuccess(Success):
    data: SchedulerBody | None = None
