"""The status of the whole service, from the operator's decision and the live instances."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import msgspec

from insider_core.breaker import ReceiverStatus
from insider_core.scheduler import Scheduler, SchedulerStatus
from insider_core.service_state import InstanceBeat, SchedulerDecision


def service_status(
    scheduler: Scheduler,
    decision: SchedulerDecision | None,
    instances: list[InstanceBeat],
    receiver: ReceiverStatus,
) -> SchedulerStatus:
    """`running` is the operator's decision (before any, whether an instance auto-started);
    the settings are those in force (the configured ones changed by the start's overrides);
    runs, sent and failed add up what the live instances did since each started; the
    consecutive all-fail count is the highest of them; times are the latest (the soonest for
    the next run)."""
    running = any(b.running for b in instances) if decision is None else decision.running
    config = scheduler.config
    if decision is not None and decision.running:
        overrides = decision.overrides
        changes = {
            "interval_seconds": overrides.interval_seconds,
            "batch_size": overrides.batch_size,
            "failure_rate": overrides.failure_rate,
        }
        config = msgspec.structs.replace(
            scheduler.configured, **{k: v for k, v in changes.items() if v is not None}
        )
    next_runs = [b.next_run_at for b in instances if b.running]
    return SchedulerStatus(
        running=running,
        last_run_at=_latest(b.last_run_at for b in instances),
        next_run_at=min((t for t in next_runs if t is not None), default=None) if running else None,
        interval_seconds=config.interval_seconds,
        batch_size=config.batch_size,
        failure_rate=config.failure_rate,
        runs_count=sum(b.runs_count for b in instances),
        messages_sent=sum(b.messages_sent for b in instances),
        messages_failed=sum(b.messages_failed for b in instances),
        consecutive_all_fail_count=max(
            (b.consecutive_all_fail_count for b in instances), default=0
        ),
        last_alert_sent_at=_latest(b.last_alert_sent_at for b in instances),
        receiver=receiver,
        instances=tuple(instances),
    )


def _latest(times: Iterable[datetime | None]) -> datetime | None:
    return max((t for t in times if t is not None), default=None)
