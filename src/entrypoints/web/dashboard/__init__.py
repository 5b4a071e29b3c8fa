"""The operator dashboard: server-rendered pages and parts, a small script and a stylesheet,
all served by the service itself, nothing fetched from elsewhere (its headers are in
security_headers.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Router
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from entrypoints.web.dashboard.controller import DashboardController
from entrypoints.web.dashboard.replaying import ReplayController
from entrypoints.web.dashboard.signing import SessionController

HERE = Path(__file__).parent


def dashboard_router() -> Router:
    assets = create_static_files_router(
        path="/assets", directories=[HERE / "static"], name="dashboard-assets"
    )
    return Router(
        path="/dashboard",
        route_handlers=[SessionController, DashboardController, ReplayController, assets],
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
