"""The OpenAPI 3.1 document, and Litestar's Swagger UI with its assets served by the service
itself, so it works offline."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from litestar import MediaType, Request, Router, get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPIFormat,
    OpenAPIType,
    Schema,
    SecurityScheme,
)
from litestar.plugins import OpenAPISchemaPlugin
from litestar.static_files import create_static_files_router
from litestar.types import Method
from litestar.typing import FieldDefinition
from openapi_ui_bundles import swagger_ui

from entrypoints.web.api_keys import API_KEY_HEADER
from entrypoints.web.dto import Timestamp
from entrypoints.web.message_input import Content, SendAt

OPENAPI_PATH = "/schema/openapi.json"
SWAGGER_ASSETS = "/swagger/assets"
SWAGGER_UI = SwaggerRenderPlugin(
    js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
    css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
    standalone_preset_js_url=f"{SWAGGER_ASSETS}/swagger-ui-standalone-preset.js",
    favicon=f'<link rel="icon" type="image/png" href="{SWAGGER_ASSETS}/favicon-32x32.png">',
)


def api_key_scheme(group: str) -> SecurityScheme:
    return SecurityScheme(
        type="apiKey",
        name=API_KEY_HEADER,
        security_scheme_in="header",
        description=f"The {group} API key ({group.upper()}_API_KEY)",
    )


def operation_id(handler: HTTPRouteHandler, _: Method, __: Sequence[object]) -> str:
    """The handler's name in camelCase (`list_messages`: `listMessages`), which client
    generators name their calls after."""
    name: str = handler.handler_name
    first, *others = name.split("_")
    return first + "".join(word.capitalize() for word in others)


def openapi_config(version: str) -> OpenAPIConfig:
    """The document at /schema/openapi.json, the Swagger UI at /schema/swagger."""
    return OpenAPIConfig(
        operation_id_creator=operation_id,
        title="Insider message dispatch",
        version=version,
        description="Sends stored messages to a webhook automatically, safely and fast.",
        path="/schema",
        render_plugins=[JsonRenderPlugin(), SWAGGER_UI],
        components=Components(
            security_schemes={
                "MessagesApiKey": api_key_scheme("messages"),
                "SchedulerApiKey": api_key_scheme("scheduler"),
            }
        ),
    )


@get(
    ["/swagger", "/swagger/index.html"],
    media_type=MediaType.HTML,
    include_in_schema=False,
    sync_to_thread=False,
)
def swagger_page(request: Request[Any, Any, Any]) -> bytes:
    """The Swagger UI at the URLs the Go service served it at."""
    return SWAGGER_UI.render(request, request.app.openapi_schema.to_schema())


def swagger_assets() -> Router:
    return create_static_files_router(
        path=SWAGGER_ASSETS, directories=[swagger_ui.static_path], name="swagger-assets"
    )


class StringSchemas(OpenAPISchemaPlugin):
    """The schema of each of the API's documented string types, on the string itself: inside
    `Timestamp | None` too, where client generators look for a `format`."""

    def __init__(self, schemas: Mapping[object, Schema]) -> None:
        self.schemas = schemas

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        try:
            return field_definition.raw in self.schemas
        except TypeError:  # an unhashable annotation is none of ours
            return False

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        return dataclasses.replace(self.schemas[field_definition.raw])


def string_schemas(max_content_length: int) -> StringSchemas:
    """The longest content is a setting: the document says the limit this service applies."""
    time = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE_TIME)
    return StringSchemas(
        {
            Timestamp: time,
            SendAt: time,
            Content: Schema(type=OpenAPIType.STRING, max_length=max_content_length),
        }
    )
