"""Replaying failed messages from the dashboard: all of them, or those that failed in a recent
window, counted first by the replay's own dry run and replayed only when confirmed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from litestar import Controller, Request, post
from litestar.exceptions import ValidationException
from litestar.response import Template

from entrypoints.web.dashboard.access import REPLAY_WINDOWS, Form, granted, require_session
from entrypoints.web.dashboard.controller import REFRESH_HEADER
from entrypoints.web.dependencies import AnyClock, Messages


class ReplayController(Controller):
    path = "/replay"
    include_in_schema = False
    before_request = staticmethod(require_session)

    @post("/preview", status_code=200)
    async def replay_preview(
        self, request: Request[Any, Any, Any], clock: AnyClock, messages: Messages, data: Form
    ) -> Template:
        """The dry run: how many failed messages a replay would send again, with the moment
        they failed since fixed now, so the confirmation replays what was counted."""
        await granted(request, clock, "messages")
        minutes = replay_window(data.get("since_minutes", ""))
        since = None if minutes is None else clock.now() - timedelta(minutes=minutes)
        count = await messages.replay_all(since=since, dry_run=True)
        return Template("replay_confirm.html.j2", context={"failed": count, "since": since})

    @post("/all", status_code=200)
    async def replay_all(
        self, request: Request[Any, Any, Any], clock: AnyClock, messages: Messages, data: Form
    ) -> Template:
        await granted(request, clock, "messages")
        replayed = await messages.replay_all(since=moment(data.get("since", "")))
        return Template(
            "replay_done.html.j2",
            context={"replayed": replayed},
            headers={REFRESH_HEADER: "overview messages"},
        )


def replay_window(text: str) -> int | None:
    """Minutes back, one of REPLAY_WINDOWS, or None for every failed message."""
    offered = {str(minutes): minutes for minutes, _ in REPLAY_WINDOWS if minutes is not None}
    if text and text not in offered:
        raise ValidationException(
            extra=[{"key": "since_minutes", "message": "must be one of the offered windows"}]
        )
    return offered.get(text)


def moment(text: str) -> datetime | None:
    if not text:
        return None
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        found = None
    if found is None or found.tzinfo is None:
        raise ValidationException(
            extra=[{"key": "since", "message": "must be a time with its offset"}]
        )
    return found
