"""Prometheus metrics at /metrics: Litestar's HTTP metrics and the container's dispatch metrics
(entrypoints/metrics.py)."""

from __future__ import annotations

import os

from litestar import Controller, get
from litestar.plugins.prometheus import PrometheusConfig
from litestar.response import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from entrypoints.web.dependencies import Metrics

http_metrics = PrometheusConfig(
    app_name="insider",
    prefix="insider_http",
    group_path=True,
    exclude_unhandled_paths=True,
    exclude=["^/metrics$"],
)


class MetricsController(Controller):
    path = "/metrics"
    include_in_schema = False

    @get()
    async def get(self, metrics: Metrics) -> Response[bytes]:
        """With several workers every process writes its metrics to the shared directory
        (entrypoints/workers.py), which is read whole; alone, the process's default registry
        (the HTTP metrics) and the dispatch metrics' own."""
        if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
            everything = CollectorRegistry()
            MultiProcessCollector(everything)  # type: ignore[no-untyped-call]
            text = generate_latest(everything)
        else:
            text = generate_latest(REGISTRY) + generate_latest(metrics.registry)
        return Response(text, headers={"Content-Type": CONTENT_TYPE_LATEST})
