"""Prometheus metrics of what each dispatched batch did and of the receiver's breaker."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from insider_core import BatchReport, BreakerState, DispatchObserver, ErrorKind, ReceiverStatus

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class DispatchMetrics(DispatchObserver):
    """One per container, in a registry of its own (a second container in the same process,
    as in tests, starts from zero rather than colliding with the first's names). With several
    workers, the values go to prometheus-client's multiprocess files whatever the registry."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.sent = Counter("messages_sent", "Messages the webhook accepted", registry=registry)
        self.failed_attempts = Counter(
            "send_attempts_failed",
            "Send attempts that failed (the message retried or dead-lettered)",
            registry=registry,
        )
        self.retried = Counter(
            "messages_retried", "Failed attempts scheduled for another try", registry=registry
        )
        self.dead_lettered = Counter(
            "messages_dead_lettered", "Messages moved to the dead-letter queue", registry=registry
        )
        self.released = Counter(
            "messages_released",
            "Claimed messages given back unsent while the receiver was unavailable",
            registry=registry,
        )
        self.latency = Histogram(
            "webhook_latency_seconds",
            "Time the webhook took to answer one message",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.phase = Histogram(
            "dispatch_batch_phase_seconds",
            "Time one batch spent claiming its messages, sending them, or recording the "
            "outcomes: where a batch's time goes, the database's or the receiver's",
            ["phase"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )

        self.receiver_down = Gauge(
            "receiver_breaker_open",
            "1 while the circuit breaker holds sending (open or half-open), else 0; with "
            "several workers, 1 while any live worker's breaker does",
            multiprocess_mode="livemax",
            registry=registry,
        )
        self.breaker_opened = Counter(
            "receiver_breaker_opened", "Times the receiver looked down", registry=registry
        )

    def receiver_changed(self, status: ReceiverStatus) -> None:
        self.receiver_down.set(0 if status.up else 1)
        if status.state is BreakerState.OPEN:
            self.breaker_opened.inc()

    def batch_finished(self, report: BatchReport) -> None:
        self.sent.inc(report.sent)
        self.failed_attempts.inc(report.failed_attempts)
        self.retried.inc(report.retried)
        self.dead_lettered.inc(report.dead_lettered)
        self.released.inc(report.released)
        for result in report.results:
            attempt = result.attempt
            if attempt is not None and attempt.error_kind is not ErrorKind.INJECTED:
                self.latency.observe(attempt.duration_ms / 1000)
        phases = report.phases
        if phases is not None:
            self.phase.labels("claim").observe(phases.claim)
            self.phase.labels("send").observe(phases.send)
            self.phase.labels("record").observe(phases.record)
