"""What the OpenAPI document must say that Litestar cannot derive from the handlers."""

from __future__ import annotations

from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    PathItem,
    RequestBody,
    Schema,
)

from entrypoints.web.openapi_names import rename_schemas

# Request bodies decoded with `forbid_unknown_fields`: an unknown field is a 422.
CLOSED_BODIES = ("CreateMessage", "StartScheduler", "ReplayFailed")
OPTIONAL_BODY_ROUTES = (
    "/api/v1/scheduler/start",
    "/api/v1/messages/replay/all",
    "/api/v1/messages/replay",
)
METRICS_PATH = "/metrics"
# The Prometheus controller is left out of the schema by Litestar; the route is documented
# here, open like the health check.
METRICS = PathItem(
    get=Operation(
        tags=["monitoring"],
        summary="Prometheus metrics",
        description="Prometheus text exposition format (open, no API key): dispatch "
        "counters, webhook latency, the receiver's breaker state and HTTP metrics.",
        operation_id="Metrics",
        responses={
            "200": OpenAPIResponse(
                description="The metrics",
                content={"text/plain": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))},
            )
        },
    )
)


def refine(document: OpenAPI, max_content_length: int) -> None:
    rename_schemas(document)
    if document.paths is not None:
        document.paths.setdefault(METRICS_PATH, METRICS)
    schemas = document.components.schemas if document.components else {}
    for name in CLOSED_BODIES:
        if isinstance(body := schemas.get(name), Schema):
            body.additional_properties = False
    create_message = schemas.get("CreateMessage")
    properties = create_message.properties if isinstance(create_message, Schema) else None
    if properties and isinstance(content := properties.get("content"), Schema):
        content.max_length = max_content_length  # a setting, unknown to the Struct
    for path in OPTIONAL_BODY_ROUTES:
        item = document.paths.get(path) if document.paths else None
        operation = item.post if item else None
        if isinstance(operation, Operation) and isinstance(operation.request_body, RequestBody):
            operation.request_body.required = False  # Litestar marks every body required
