"""The Litestar application of the REST API."""

from __future__ import annotations

from litestar import Litestar
from litestar.datastructures import State

from entrypoints.container import Container, package_version
from entrypoints.web.attempt_limit import LocalAttempts
from entrypoints.web.dashboard import dashboard_router, dashboard_templates
from entrypoints.web.dependencies import provide_services
from entrypoints.web.docs import openapi_config, string_schemas, swagger_assets, swagger_page
from entrypoints.web.errors import EXCEPTION_HANDLERS
from entrypoints.web.health import HealthController
from entrypoints.web.lifespan import lifespan_of
from entrypoints.web.messages import MessagesController
from entrypoints.web.metrics import MetricsController, http_metrics
from entrypoints.web.request_bodies import request_body_limit
from entrypoints.web.scheduler import SchedulerController
from entrypoints.web.security_headers import add_security_headers


def create_app(container: Container) -> Litestar:
    settings = container.settings()
    return Litestar(
        route_handlers=[
            MessagesController,
            SchedulerController,
            HealthController,
            MetricsController,
            swagger_page,
            swagger_assets(),
            dashboard_router(),
        ],
        dependencies=provide_services(),
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[lifespan_of(container)],
        middleware=[http_metrics.middleware],
        before_send=[add_security_headers],
        openapi_config=openapi_config(package_version()),
        plugins=[string_schemas(settings.message_max_content_length)],
        template_config=dashboard_templates(),
        state=State({"settings": settings, "api_attempts": LocalAttempts()}),
        request_max_body_size=request_body_limit(settings.message_max_content_length),
        logging_config=None,
        debug=False,
    )
