"""Security headers on every answer, errors included: they are added as the response starts,
after any handler, exception handler or router has made it. The dashboard's answers carry
its content security policy and are never stored; any other error says, whatever its body,
that nothing in it may run or be framed."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

DASHBOARD_PATH = "/dashboard"
DASHBOARD_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
ERROR_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}
EVERY_ANSWER = {"X-Content-Type-Options": "nosniff"}


def _is_dashboard(path: str) -> bool:
    return path == DASHBOARD_PATH or path.startswith(DASHBOARD_PATH + "/")


async def add_security_headers(message: Message, scope: Scope) -> None:
    """Litestar's `before_send` hook."""
    if message["type"] != "http.response.start":
        return
    if _is_dashboard(scope["path"]):
        wanted = DASHBOARD_HEADERS
    elif message["status"] >= 400:
        wanted = ERROR_HEADERS
    else:
        wanted = EVERY_ANSWER
    headers = MutableScopeHeaders.from_message(message)
    for name, value in wanted.items():
        headers[name] = value
