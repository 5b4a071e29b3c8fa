"""The OpenAPI 3.1 document and a Swagger UI served from local assets, so it works offline."""

from __future__ import annotations

from litestar import Controller, MediaType, Router, get
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router
from openapi_ui_bundles import swagger_ui

from entrypoints.web.api_keys import API_KEY_HEADER

OPENAPI_PATH = "/schema/openapi.json"
SWAGGER_ASSETS = "/swagger/assets"


def api_key_scheme(group: str) -> SecurityScheme:
    return SecurityScheme(
        type="apiKey",
        name=API_KEY_HEADER,
        security_scheme_in="header",
        description=f"The {group} API key ({group.upper()}_API_KEY)",
    )


def openapi_config(version: str) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Insider message dispatch",
        version=version,
        description="Sends stored messages to a webhook automatically, safely and fast.",
        path="/schema",
        render_plugins=[JsonRenderPlugin()],
        components=Components(
            security_schemes={
                "MessagesApiKey": api_key_scheme("messages"),
                "SchedulerApiKey": api_key_scheme("scheduler"),
            }
        ),
    )


SWAGGER_PAGE = f"""<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Insider message dispatch - Swagger UI</title>
    <link rel="stylesheet" type="text/css" href="{SWAGGER_ASSETS}/swagger-ui.css" />
    <link rel="stylesheet" type="text/css" href="{SWAGGER_ASSETS}/index.css" />
    <link rel="icon" type="image/png" href="{SWAGGER_ASSETS}/favicon-32x32.png" sizes="32x32" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="{SWAGGER_ASSETS}/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="{SWAGGER_ASSETS}/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script>
      window.onload = function () {{
        window.ui = SwaggerUIBundle({{
          url: "{OPENAPI_PATH}",
          dom_id: "#swagger-ui",
          deepLinking: true,
          validatorUrl: null,
          presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
          layout: "StandaloneLayout"
        }});
      }};
    </script>
  </body>
</html>
"""


class SwaggerController(Controller):
    path = "/swagger"
    include_in_schema = False

    @get(["", "/index.html"], media_type=MediaType.HTML)
    async def page(self) -> str:
        """At /swagger and at the seed's /swagger/index.html."""
        return SWAGGER_PAGE


def swagger_assets() -> Router:
    return create_static_files_router(
        path=SWAGGER_ASSETS, directories=[swagger_ui.static_path], name="swagger-assets"
    )
