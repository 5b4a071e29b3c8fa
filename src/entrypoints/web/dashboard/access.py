"""Who the dashboard is talking to, as its routes see it: `granted`, which every route but the
page and the sign-in asks first, and the session cookie. See session.py for what the cookie
holds, signing.py for the routes that make and end it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException
from litestar.params import Body

from entrypoints.web.dashboard.seals import Sealer
from entrypoints.web.dashboard.session import (
    COOKIE,
    COOKIE_PATH,
    DASHBOARD_HEADER,
    Grants,
    Session,
    live_session,
)
from entrypoints.web.dependencies import services_of
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
_SESSION = "dashboard_session"


async def sealer_of(request: Request[Any, Any, Any], now: datetime) -> Sealer:
    """The service's sealer, read from the store once per process."""
    state = request.app.state
    sealer: Sealer | None = state.get("dashboard_sealer")
    if sealer is None:
        sealer = state.dashboard_sealer = await Sealer.of_store(services_of(state).records, now)
    return sealer


async def session_of(request: Request[Any, Any, Any], clock: Clock) -> Session | None:
    """The live session the request's cookie holds; looked up once per request."""
    if _SESSION in request.state:
        found: Session | None = request.state[_SESSION]
        return found
    cookie = request.cookies.get(COOKIE)
    found = None
    if cookie:
        now = clock.now()
        found = await live_session(
            services_of(request.app.state).records,
            await sealer_of(request, now),
            request.app.state.settings,
            cookie,
            now,
        )
    request.state[_SESSION] = found
    return found


async def granted(
    request: Request[Any, Any, Any], clock: Clock, group: str | None = None
) -> Grants:
    """The operator's grants, or 401: without the header a form on another site cannot send,
    without a live session, or without the key of the group the action belongs to."""
    require_header(request)
    session = await session_of(request, clock)
    found = session.grants if session is not None else Grants()
    if not found.any or (group is not None and not getattr(found, group)):
        raise NotAuthorizedException(INVALID_API_KEY)
    return found


async def require_session(request: Request[Any, Any, Any]) -> None:
    """`granted` before any parameter is read: without a session, a malformed request gets the
    same 401 as any other."""
    await granted(request, services_of(request.app.state).clock)


def session_cookie(request: Request[Any, Any, Any], value: str, max_age: int) -> Cookie:
    """`Secure` when the request came over https, directly or through a trusted proxy (see
    serving.py)."""
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
