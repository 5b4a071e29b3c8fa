"""Who the dashboard is talking to, as its routes see it: the page (the sign-in form until the
operator has a session), signing in and out, and `granted`, which every other route asks
first. See session.py for what the cookie holds."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException
from litestar.params import Body
from litestar.response import Template

from entrypoints.web.dashboard.session import (
    COOKIE,
    COOKIE_PATH,
    DASHBOARD_HEADER,
    SESSION_LIFETIME,
    Grants,
    grants_of,
    sign_in,
)
from entrypoints.web.dependencies import AnyClock, services_of
from entrypoints.web.errors import INVALID_API_KEY
from insider_core import Clock

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
# What "Replay failed…" offers: minutes back (None: every failed message) and their label.
REPLAY_WINDOWS = (
    (None, "All failed"),
    (15, "Failed in the last 15 min"),
    (60, "Failed in the last hour"),
    (24 * 60, "Failed in the last 24 h"),
)
# Tells the page to load itself again (after signing in or out).
RELOAD_HEADER = "x-dashboard-reload"


def grants(request: Request[Any, Any, Any], clock: Clock) -> Grants:
    return grants_of(request.app.state.settings, request.cookies.get(COOKIE), clock.now())


def granted(request: Request[Any, Any, Any], clock: Clock, group: str | None = None) -> Grants:
    """The operator's grants, or 401: without the header a form on another site cannot send,
    without a live session, or without the key of the group the action belongs to."""
    require_header(request)
    found = grants(request, clock)
    if not found.any or (group is not None and not getattr(found, group)):
        raise NotAuthorizedException(INVALID_API_KEY)
    return found


async def require_session(request: Request[Any, Any, Any]) -> None:
    """`granted` before any parameter is read: without a session, a malformed request gets the
    same 401 as any other. Async, so Litestar runs it on the loop."""
    granted(request, services_of(request.app.state).clock)


def session_cookie(request: Request[Any, Any, Any], value: str, max_age: int) -> Cookie:
    return Cookie(
        key=COOKIE,
        value=value,
        path=COOKIE_PATH,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def require_header(request: Request[Any, Any, Any]) -> None:
    if request.headers.get(DASHBOARD_HEADER) != "1":
        raise NotAuthorizedException(INVALID_API_KEY)


class SessionController(Controller):
    path = ""
    include_in_schema = False

    @get("")
    async def page(self, request: Request[Any, Any, Any], clock: AnyClock) -> Template:
        found = grants(request, clock)
        if not found.any:
            return Template("sign_in.html.j2", context={"errors": {}})
        return Template(
            "dashboard.html.j2", context={"grants": found, "replay_windows": REPLAY_WINDOWS}
        )

    @post("/session", status_code=200)
    async def start_session(
        self, request: Request[Any, Any, Any], clock: AnyClock, data: Form
    ) -> Template:
        require_header(request)
        given = {group: data.get(f"{group}_key", "") for group in ("messages", "scheduler")}
        signed = sign_in(request.app.state.settings, given, clock.now())
        if signed.cookie is None:
            return Template(
                "sign_in_form.html.j2", context={"errors": signed.errors}, status_code=401
            )
        lifetime = int(SESSION_LIFETIME.total_seconds())
        return Template(
            "reloading.html.j2",
            headers={RELOAD_HEADER: "1"},
            cookies=[session_cookie(request, signed.cookie, lifetime)],
        )

    @post("/session/end", status_code=200)
    async def end_session(self, request: Request[Any, Any, Any]) -> Template:
        require_header(request)
        return Template(
            "reloading.html.j2",
            headers={RELOAD_HEADER: "1"},
            cookies=[session_cookie(request, "", 0)],
        )
