"""The dashboard's page (the sign-in form until the operator has a session), signing in, with
its attempts limited per client address, and signing out on every instance."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Template

from entrypoints.web.attempt_limit import SharedAttempts, TooManyAttempts, client_address
from entrypoints.web.dashboard.access import (
    REPLAY_WINDOWS,
    Form,
    require_header,
    sealer_of,
    session_cookie,
    session_of,
)
from entrypoints.web.dashboard.session import COOKIE, SESSION_LIFETIME, sign_in, sign_out
from entrypoints.web.dependencies import AnyClock, services_of

# Tells the page to load itself again (after signing in or out).
RELOAD_HEADER = "x-dashboard-reload"
SIGN_IN_PURPOSE = "dashboard-sign-in"


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
