"""Who the dashboard is talking to, as its routes see it: the page (the sign-in form until the
operator has a session), signing in and out, and `granted`, which every other route asks
first. See session.py for what the cookie holds."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException
from litestar.params import Body
from litestar.response import Template

from entrypoints.web.attempt_limit import SharedAttempts, TooManyAttempts, client_address
from entrypoints.web.dashboard.seals import Sealer
from entrypoints.web.dashboard.session import (
    COOKIE,
    COOKIE_PATH,
    DASHBOARD_HEADER,
    SESSION_LIFETIME,
    Grants,
    Session,
    live_session,
    sign_in,
    sign_out,
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
SIGN_IN_PURPOSE = "dashboard-sign-in"
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


def sign_in_form(errors: dict[str, str], status: int, **headers: str) -> Template:
    return Template(
        "sign_in_form.html.j2", context={"errors": errors}, status_code=status, headers=headers
    )


class SessionController(Controller):
    path = ""
    include_in_schema = False

    @get("")
    async def page(self, request: Request[Any, Any, Any], clock: AnyClock) -> Template:
        """The sign-in form until there is a session; a cookie that holds none is a 401, and
        the browser is told to forget it."""
        session = await session_of(request, clock)
        if session is None:
            forged = bool(request.cookies.get(COOKIE))
            return Template(
                "sign_in.html.j2",
                context={"errors": {}},
                status_code=401 if forged else 200,
                cookies=[session_cookie(request, "", 0)] if forged else [],
            )
        return Template(
            "dashboard.html.j2",
            context={"grants": session.grants, "replay_windows": REPLAY_WINDOWS},
        )

    @post("/session", status_code=200)
    async def start_session(
        self, request: Request[Any, Any, Any], clock: AnyClock, data: Form
    ) -> Template:
        require_header(request)
        now = clock.now()
        attempts = SharedAttempts(services_of(request.app.state).records, SIGN_IN_PURPOSE)
        address = client_address(request)
        try:
            await attempts.check(address, now)
        except TooManyAttempts as refused:
            retry_after = str(refused.retry_after_seconds)
            return sign_in_form({"messages": str(refused)}, 429, **{"Retry-After": retry_after})
        given = {group: data.get(f"{group}_key", "") for group in ("messages", "scheduler")}
        sealer = await sealer_of(request, now)
        signed = sign_in(sealer, request.app.state.settings, given, now)
        if signed.cookie is None:
            if any(typed.strip() for typed in given.values()):
                await attempts.failed(address, now)
            return sign_in_form(signed.errors, 401)
        lifetime = int(SESSION_LIFETIME.total_seconds())
        return Template(
            "reloading.html.j2",
            headers={RELOAD_HEADER: "1"},
            cookies=[session_cookie(request, signed.cookie, lifetime)],
        )

    @post("/session/end", status_code=200)
    async def end_session(self, request: Request[Any, Any, Any], clock: AnyClock) -> Template:
        """Forgets the cookie, and ends its session on every instance should it be kept."""
        require_header(request)
        session = await session_of(request, clock)
        if session is not None:
            await sign_out(services_of(request.app.state).records, session, clock.now())
        return Template(
            "reloading.html.j2",
            headers={RELOAD_HEADER: "1"},
            cookies=[session_cookie(request, "", 0)],
        )
