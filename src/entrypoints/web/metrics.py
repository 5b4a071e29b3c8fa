"""Prometheus metrics at /metrics: Litestar's own controller and HTTP metrics. With several
workers, every process writes its metrics, the dispatch metrics included, to the directory
PROMETHEUS_MULTIPROC_DIR names (entrypoints/workers.py), which the controller reads whole;
alone, a process shows its default registry, which the dispatch metrics of the running app
join while it runs (`dispatch_metrics_shown`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from litestar import get
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.response import Response
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.metrics_core import Metric

from entrypoints.metrics import DispatchMetrics

http_metrics = PrometheusConfig(
    app_name="insider",
    prefix="insider_http",
    group_path=True,
    exclude_unhandled_paths=True,
    exclude=["^/metrics$"],
)


class MetricsController(PrometheusController):
    tags = ["monitoring"]

    @get(
        operation_id="getMetrics",
        summary="Prometheus metrics",
        description="Prometheus text exposition format (open, no API key): dispatch counters, "
        "webhook latency, the receiver's breaker state and HTTP metrics.",
        media_type="text/plain",
        response_description="The metrics",
    )
    async def get(self) -> Response[bytes]:
        """Litestar's, documented."""
        response: Response[bytes] = await PrometheusController.get.fn(self)
        return response


class _DispatchCollector:
    """A container's registry as a collector of the default one. It describes nothing, so two
    apps of one process (as in tests) never collide over their names."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def describe(self) -> Iterable[Metric]:
        return ()

    def collect(self) -> Iterable[Metric]:
        return self.registry.collect()


@contextmanager
def dispatch_metrics_shown(metrics: DispatchMetrics) -> Iterator[None]:
    collector = _DispatchCollector(metrics.registry)
    REGISTRY.register(collector)
    try:
        yield
    finally:
        REGISTRY.unregister(collector)
