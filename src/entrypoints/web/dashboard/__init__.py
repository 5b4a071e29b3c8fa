"""The operator dashboard (SPEC §10): server-rendered pages and parts, a small script and a
stylesheet, all served by the service itself, nothing fetched from elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Response, Router
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from entrypoints.web.dashboard.access import SessionController
from entrypoints.web.dashboard.controller import DashboardController
from entrypoints.web.dashboard.replaying import ReplayController

HERE = Path(__file__).parent
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


async def with_security_headers(response: Response[object]) -> Response[object]:
    response.headers.update(SECURITY_HEADERS)
    return response


def dashboard_router() -> Router:
    assets = create_static_files_router(
        path="/assets", directories=[HERE / "static"], name="dashboard-assets"
    )
    return Router(
        path="/dashboard",
        route_handlers=[SessionController, DashboardController, ReplayController, assets],
        after_request=with_security_headers,
        include_in_schema=False,
    )


def utc(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def relative(moment: datetime | None, now: datetime) -> str:
    """ "in 42 s", "3 min ago"."""
    if moment is None:
        return "—"
    seconds = round((moment - now).total_seconds())
    if seconds == 0:
        return "just now"
    size = abs(seconds)
    if size < 90:
        amount = f"{size} s"
    elif size < 90 * 60:
        amount = f"{round(size / 60)} min"
    else:
        amount = f"{round(size / 3600, 1):g} h"
    return f"in {amount}" if seconds >= 0 else f"{amount} ago"


def dashboard_templates() -> TemplateConfig[JinjaTemplateEngine]:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["utc"] = utc
    environment.filters["relative"] = relative
    environment.filters["parse_time"] = parse_time
    return TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment))


def parse_time(text: str | None) -> datetime | None:
    """A timestamp of the API's JSON ("...Z") as a datetime."""
    return None if text is None else datetime.fromisoformat(text)
