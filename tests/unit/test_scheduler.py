from __future__ import annotations

import asyncio

import pytest
from harness import Harness, settle

from adapters.memory import InMemoryMessageRepository, ScriptedSender
from adapters.memory.clock import ManualClock
from adapters.memory.sender import accept, respond
from insider_core import RetryPolicy, SchedulerConfig

INTERVAL = 120


async def test_the_first_batch_runs_as_soon_as_the_scheduler_starts():
    harness = Harness()
    await harness.create(3)
    assert harness.scheduler.start()
    await settle()
    assert harness.scheduler.status().runs_count == 1
    assert (await harness.service.stats()).sent == 2
    await harness.scheduler.stop()


async def test_each_tick_sends_at_most_one_batch():
    harness = Harness()
    await harness.create(5)
    harness.scheduler.start()
    await settle()
    await harness.advance(INTERVAL - 1)
    assert (await harness.service.stats()).sent == 2
    await harness.advance(1)
    assert (await harness.service.stats()).sent == 4
    await harness.advance(INTERVAL)
    assert (await harness.service.stats()).sent == 5
    status = harness.scheduler.status()
    assert (status.runs_count, status.messages_sent) == (3, 5)
    await harness.scheduler.stop()


async def test_status_reports_the_schedule():
    harness = Harness()
    harness.scheduler.start()
    await settle()
    status = harness.scheduler.status()
    assert status.running
    assert status.last_run_at == harness.clock.now()
    assert (status.next_run_at - status.last_run_at).total_seconds() == INTERVAL
    assert (status.interval_seconds, status.batch_size, status.failure_rate) == (INTERVAL, 2, 0.0)
    await harness.scheduler.stop()
    stopped = harness.scheduler.status()
    assert not stopped.running
    assert stopped.next_run_at is None


async def test_start_applies_overrides_and_refuses_a_second_start():
    harness = Harness()
    assert harness.scheduler.start(interval_seconds=5, batch_size=7, failure_rate=0.5)
    assert not harness.scheduler.start(batch_size=1)
    status = harness.scheduler.status()
    assert (status.interval_seconds, status.batch_size, status.failure_rate) == (5, 7, 0.5)
    assert await harness.scheduler.stop()
    assert not await harness.scheduler.stop()


async def test_overrides_last_one_run_and_a_plain_start_uses_the_configured_values():
    harness = Harness()
    harness.scheduler.start(interval_seconds=5, batch_size=7, failure_rate=1.0)
    await harness.scheduler.stop()
    harness.scheduler.start()
    status = harness.scheduler.status()
    assert (status.interval_seconds, status.batch_size, status.failure_rate) == (INTERVAL, 2, 0.0)
    await harness.scheduler.stop()


async def test_stop_lets_the_batch_in_flight_finish_and_be_recorded():
    sender = ScriptedSender(latency_seconds=0.05)
    harness = Harness(sender)
    await harness.create(2)
    harness.scheduler.start()
    await asyncio.sleep(0.01)
    assert sender.in_flight == 2
    await harness.scheduler.stop()
    stats = await harness.service.stats()
    assert (stats.sending, stats.sent) == (0, 2)


class GatedSender(ScriptedSender):
    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def send(self, message, content):  # type: ignore[no-untyped-def]
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        await self.gate.wait()
        self.in_flight -= 1
        return accept(message)


async def test_with_a_pipeline_of_one_a_slow_batch_delays_the_next_tick_instead_of_overlapping():
    sender = GatedSender()
    config = SchedulerConfig(interval_seconds=INTERVAL, batch_size=1, pipeline=1)
    harness = Harness(sender, scheduler=config)
    await harness.create(3)
    harness.scheduler.start()
    await settle()
    await harness.advance(INTERVAL * 3)
    assert sender.peak_in_flight == 1
    assert harness.scheduler.status().runs_count == 0
    sender.gate.set()
    await settle()
    assert harness.scheduler.status().runs_count == 2  # the overdue tick runs at once, then waits
    await harness.scheduler.stop()


async def test_a_slow_batch_lets_the_next_tick_claim_until_the_pipeline_is_full():
    sender = GatedSender()
    config = SchedulerConfig(interval_seconds=INTERVAL, batch_size=1, pipeline=2)
    harness = Harness(sender, scheduler=config)
    await harness.create(4)
    harness.scheduler.start()
    await settle()
    assert sender.in_flight == 1
    await harness.advance(INTERVAL)
    assert sender.in_flight == 2  # the second tick claimed while the first batch still sends
    await harness.advance(INTERVAL * 3)
    assert sender.peak_in_flight == 2
    assert (await harness.service.stats()).sending == 2
    sender.gate.set()
    await settle()
    assert (await harness.service.stats()).sent == 3  # two, then the overdue tick's batch
    await harness.scheduler.stop()


class OutlastsTheInterval(InMemoryMessageRepository):
    """Notes when a claim begins. Recording a batch takes the whole interval, and the loop has
    other work queued by the time the record is done."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []
        self.clock: ManualClock | None = None

    async def claim_due(self, limit, now, lease_until, claim_token, *, max_attempts):  # type: ignore[no-untyped-def]
        self.events.append("claim")
        return await super().claim_due(
            limit, now, lease_until, claim_token, max_attempts=max_attempts
        )

    async def save_results(self, results):  # type: ignore[no-untyped-def]
        saved = await super().save_results(results)
        assert self.clock is not None
        self.clock.advance(INTERVAL)
        asyncio.get_running_loop().call_soon(self.events.append, "other work")
        return saved


async def test_a_batch_recorded_after_its_interval_claims_the_next_before_other_work_runs():
    """The lane that recorded a batch goes on to the next claim itself; it does not wait for
    the loop to hand a free slot to another task."""
    repository = OutlastsTheInterval()
    config = SchedulerConfig(interval_seconds=INTERVAL, batch_size=1, pipeline=1)
    harness = Harness(repository=repository, scheduler=config)
    repository.clock = harness.clock
    await harness.create(2)
    harness.scheduler.start()
    await settle()
    assert repository.events[:3] == ["claim", "claim", "other work"]
    await harness.scheduler.stop()


async def test_stop_cancels_the_batches_still_sending_after_the_shutdown_timeout(caplog):
    sender = GatedSender()  # the receiver never answers
    config = SchedulerConfig(
        interval_seconds=INTERVAL, batch_size=1, pipeline=2, shutdown_timeout_seconds=0.05
    )
    harness = Harness(sender, scheduler=config)
    await harness.create(3)
    harness.scheduler.start()
    await settle()
    await harness.advance(INTERVAL)
    assert sender.in_flight == 2
    assert await harness.scheduler.stop()
    assert not harness.scheduler.running
    assert "cancelling them" in caplog.text
    # Unrecorded, so they stay sending until their leases expire; nothing else was claimed.
    stats = await harness.service.stats()
    assert (stats.sending, stats.pending, stats.sent) == (2, 1, 0)
    assert harness.dispatcher.ready_at() is None
    assert harness.scheduler.start()  # the scheduler can run again
    await harness.scheduler.stop()


async def test_stop_records_every_batch_in_flight():
    sender = ScriptedSender(latency_seconds=0.05)
    config = SchedulerConfig(interval_seconds=0.001, batch_size=2, pipeline=2)
    harness = Harness(sender, scheduler=config)
    await harness.create(10)
    harness.scheduler.start()
    await settle()
    await harness.advance(0.001)
    assert sender.in_flight == 4
    await harness.scheduler.stop()
    stats = await harness.service.stats()
    assert (stats.sending, stats.sent) == (0, 4)


async def test_the_scheduler_survives_a_database_outage():
    harness = Harness()
    await harness.create(1)
    harness.repository.available = False
    harness.scheduler.start()
    await settle()
    assert harness.scheduler.running
    harness.repository.available = True
    await harness.advance(INTERVAL)
    assert (await harness.service.stats()).sent == 1
    await harness.scheduler.stop()


def all_fail_harness(every: int) -> Harness:
    return Harness(
        ScriptedSender(respond(400)),
        policy=RetryPolicy(max_attempts=1),
        scheduler=SchedulerConfig(
            interval_seconds=INTERVAL, batch_size=1, alert_iteration_count=every
        ),
    )


async def test_an_alert_fires_after_n_all_fail_runs_and_again_every_n_more():
    harness = all_fail_harness(every=2)
    await harness.create(10)
    for _ in range(5):
        await harness.scheduler.run_once()
    alerts = harness.notifier.alerts
    assert [a.consecutive_failures for a in alerts] == [2, 4]
    assert alerts[0].alert == "consecutive_all_fail"
    assert (alerts[0].run_number, alerts[0].messages_in_batch) == (2, 1)
    assert harness.scheduler.status().last_alert_sent_at == harness.clock.now()


async def test_an_alert_the_webhook_refused_is_logged_and_the_next_one_still_goes_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    harness = all_fail_harness(every=1)
    await harness.create(10)
    harness.notifier.available = False

    await harness.scheduler.run_once()

    assert "alert could not be delivered" in caplog.text
    assert harness.scheduler.status().last_alert_sent_at is None
    assert harness.scheduler.status().consecutive_all_fail_count == 1
    harness.notifier.available = True
    await harness.scheduler.run_once()
    assert [a.consecutive_failures for a in harness.notifier.alerts] == [2]
    assert harness.scheduler.status().last_alert_sent_at == harness.clock.now()


async def test_a_success_resets_the_consecutive_failure_count():
    harness = all_fail_harness(every=2)
    await harness.create(10)
    await harness.scheduler.run_once()
    harness.sender.script = accept
    await harness.scheduler.run_once()
    assert harness.scheduler.status().consecutive_all_fail_count == 0
    harness.sender.script = respond(400)
    await harness.scheduler.run_once()
    assert harness.notifier.alerts == []


async def test_an_empty_run_neither_counts_as_failure_nor_resets():
    harness = all_fail_harness(every=3)
    await harness.create(1)
    await harness.scheduler.run_once()
    await harness.scheduler.run_once()
    assert harness.scheduler.status().consecutive_all_fail_count == 1


async def test_alerts_are_off_when_the_iteration_count_is_zero():
    harness = all_fail_harness(every=0)
    await harness.create(3)
    for _ in range(3):
        await harness.scheduler.run_once()
    assert harness.notifier.alerts == []


async def test_alerts_fire_from_the_running_loop_too():
    harness = all_fail_harness(every=1)
    await harness.create(2)
    harness.scheduler.start()
    await settle()
    assert len(harness.notifier.alerts) == 1
    await harness.scheduler.stop()


async def test_failure_rate_one_dead_letters_everything_through_the_loop():
    harness = Harness()
    await harness.create(2)
    harness.scheduler.start(failure_rate=1.0)
    await settle()
    await harness.scheduler.stop()
    assert (await harness.service.stats()).failed == 2
    assert harness.sender.sent == []
    assert harness.scheduler.status().messages_failed == 2


@pytest.mark.parametrize(
    "bad",
    [{"interval_seconds": 0}, {"batch_size": 0}, {"batch_size": 1001}, {"failure_rate": 1.5}],
)
def test_a_scheduler_config_out_of_range_is_refused(bad):
    with pytest.raises(ValueError, match="must be"):
        SchedulerConfig(**bad)


async def test_while_the_breaker_is_open_the_loop_waits_for_the_probe_instead_of_spinning():
    sender = ScriptedSender(respond(503))
    config = SchedulerConfig(interval_seconds=0.001, batch_size=10, pipeline=2)
    harness = Harness(sender, scheduler=config, policy=RetryPolicy(base_seconds=60))
    await harness.create(20)
    harness.scheduler.start()
    await settle()
    assert harness.scheduler.status().receiver.state == "open"
    runs = harness.scheduler.status().runs_count

    for _ in range(50):
        await harness.advance(0.01)

    assert harness.scheduler.status().runs_count == runs
    assert harness.scheduler.status().next_run_at == harness.dispatcher.ready_at()
    await harness.advance(0.5)
    assert harness.scheduler.status().runs_count == runs + 1  # the probe
    assert len(sender.sent) == 6  # five opened it, one probe
    await harness.scheduler.stop()
