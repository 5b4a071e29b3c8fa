"""The OpenAPI 3.1 document, and Litestar's Swagger UI with its assets served by the service
itself, so it works offline."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Router, get
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router
from openapi_ui_bundles import swagger_ui

from entrypoints.web.api_keys import API_KEY_HEADER

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


def openapi_config(version: str) -> OpenAPIConfig:
    """The document at /schema/openapi.json, the Swagger UI at /schema/swagger."""
    return OpenAPIConfig(
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
