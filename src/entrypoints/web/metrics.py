"""Prometheus metrics: Litestar's HTTP metrics plus what each dispatched batch did."""

from __future__ import annotations

from functools import cache

from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

from insider_core import BatchReport, BreakerState, DispatchObserver, ErrorKind, ReceiverStatus

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

http_metrics = PrometheusConfig(
    app_name="insider",
    prefix="insider_http",
    group_path=True,
    exclude_unhandled_paths=True,
    exclude=["^/metrics$"],
)


class MetricsController(PrometheusController):
    path = "/metrics"
    include_in_schema = False


class DispatchMetrics(DispatchObserver):
    def __init__(self, registry: CollectorRegistry) -> None:
        self.sent = Counter("messages_sent", "Messages the webhook accepted", registry=registry)
        self.failed = Counter(
            "messages_failed",
            "Send attempts that failed (retried or dead-lettered)",
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

    @staticmethod
    @cache
    def shared() -> DispatchMetrics:
        """The process-wide metrics in the default registry that /metrics exposes."""
        return DispatchMetrics(REGISTRY)

    def receiver_changed(self, status: ReceiverStatus) -> None:
        self.receiver_down.set(0 if status.up else 1)
        if status.state is BreakerState.OPEN:
            self.breaker_opened.inc()

    def batch_recorded(self, report: BatchReport) -> None:
        self.sent.inc(report.sent)
        self.failed.inc(report.failed_attempts)
        self.retried.inc(report.retried)
        self.dead_lettered.inc(report.dead_lettered)
        self.released.inc(report.released)
        for result in report.results:
            attempt = result.attempt
            if attempt is not None and attempt.error_kind is not ErrorKind.INJECTED:
                self.latency.observe(attempt.duration_ms / 1000)
