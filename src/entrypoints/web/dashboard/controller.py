"""The dashboard's parts, which the page loads and refreshes, and the actions on the scheduler
and on one message (replaying many is in replaying.py). Every one answers 401 unless
`granted` (see access.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, PathParameter, QueryParameter
from litestar.response import Template

from entrypoints.web.dashboard import views
from entrypoints.web.dashboard.access import granted, require_session
from entrypoints.web.dashboard.search import parse_search
from entrypoints.web.dependencies import AnyClock, Messages, Repository, Service
from insider_core import (
    Clock,
    DeliveryActivity,
    MessageNotFound,
    MessageService,
    MessageStatus,
    NotReplayable,
    ServiceControl,
    StartAnswer,
    StartOverrides,
)

MessageId = Annotated[int, PathParameter(ge=1, le=2**63 - 1)]
PageNumber = Annotated[int, QueryParameter(ge=1, le=1_000_000_000)]
# The form's "All" sends an empty status.
StatusChoice = Annotated[
    Literal["", "pending", "sending", "sent", "failed"], QueryParameter(description="status")
]
# Tells the page which parts to load again after an action.
REFRESH_HEADER = "x-dashboard-refresh"


class SearchForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A search, sent in a POST body so that the phone number typed stays out of URLs and
    access logs; a refresh of the results posts it again."""

    q: Annotated[str, msgspec.Meta(max_length=200)] = ""
    status: Literal["", "pending", "sending", "sent", "failed"] = ""
    page: Annotated[int, msgspec.Meta(ge=1, le=1_000_000_000)] = 1


Search = Annotated[SearchForm, Body(media_type=RequestEncodingType.URL_ENCODED)]


async def overview_part(
    request: Request[Any, Any, Any],
    clock: Clock,
    messages: MessageService,
    service: ServiceControl,
    notice: str | None = None,
) -> Template:
    found = await granted(request, clock)
    overview = await views.overview(found, messages, service)
    return Template(
        "overview.html.j2",
        context={"overview": overview, "grants": found, "now": clock.now(), "notice": notice},
    )


class DashboardController(Controller):
    path = ""
    include_in_schema = False
    before_request = staticmethod(require_session)

    @get("/overview")
    async def overview(
        self,
        request: Request[Any, Any, Any],
        clock: AnyClock,
        messages: Messages,
        service: Service,
    ) -> Template:
        return await overview_part(request, clock, messages, service)

    @get("/activity")
    async def activity(
        self, request: Request[Any, Any, Any], clock: AnyClock, repository: Repository
    ) -> Template:
        """The send-rate chart, refreshed less often than the overview: it reads the attempt
        log of the last minutes (see docs/PERFORMANCE.md for its cost)."""
        await granted(request, clock, "messages")
        chart = await views.activity(DeliveryActivity(repository, clock))
        return Template("activity.html.j2", context={"chart": chart})

    @post("/scheduler/start", status_code=200)
    async def start(
        self,
        request: Request[Any, Any, Any],
        clock: AnyClock,
        messages: Messages,
        service: Service,
    ) -> Template:
        await granted(request, clock, "scheduler")
        if service.scheduler.cannot_start is not None:
            notice = service.scheduler.cannot_start
        elif await service.start(StartOverrides()) is StartAnswer.STARTED:
            notice = "Scheduler started"
        else:
            notice = "Scheduler is already running"
        return await overview_part(request, clock, messages, service, notice)

    @post("/scheduler/stop", status_code=200)
    async def stop(
        self,
        request: Request[Any, Any, Any],
        clock: AnyClock,
        messages: Messages,
        service: Service,
    ) -> Template:
        await granted(request, clock, "scheduler")
        stopped = await service.stop()
        notice = "Scheduler stopped" if stopped else "Scheduler is already stopped"
        return await overview_part(request, clock, messages, service, notice)

    @get("/messages")
    async def messages(
        self,
        request: Request[Any, Any, Any],
        clock: AnyClock,
        messages: Messages,
        status: StatusChoice = "",
        page: PageNumber = 1,
    ) -> Template:
        await granted(request, clock, "messages")
        return await listing_part(messages, status, "", page)

    @post("/messages", status_code=200)
    async def search(
        self, request: Request[Any, Any, Any], clock: AnyClock, messages: Messages, data: Search
    ) -> Template:
        await granted(request, clock, "messages")
        return await listing_part(messages, data.status, data.q, data.page)

    @get("/messages/{message_id:int}")
    async def message(
        self,
        request: Request[Any, Any, Any],
        clock: AnyClock,
        messages: Messages,
        message_id: MessageId,
    ) -> Template:
        await granted(request, clock, "messages")
        return await detail_part(messages, message_id)

    @post("/messages/{message_id:int}/replay", status_code=200)
    async def replay_one(
        self,
        request: Request[Any, Any, Any],
        clock: AnyClock,
        messages: Messages,
        message_id: MessageId,
    ) -> Template:
        await granted(request, clock, "messages")
        try:
            await messages.replay_one(message_id)
            notice = f"Message {message_id} replayed: it is pending again"
        except NotReplayable as refused:
            notice = str(refused)
        return await detail_part(messages, message_id, notice)


async def listing_part(messages: MessageService, status: str, typed: str, page: int) -> Template:
    chosen = MessageStatus(status) if status else None
    listing = await views.listing(messages, chosen, parse_search(typed), page)
    return Template("messages.html.j2", context={"listing": listing})


async def detail_part(
    messages: MessageService, message_id: int, notice: str | None = None
) -> Template:
    try:
        detail = await views.detail(messages, message_id)
    except MessageNotFound:
        return Template("not_found.html.j2", context={"message_id": message_id}, status_code=404)
    headers = {REFRESH_HEADER: "overview messages"} if notice else {}
    return Template("detail.html.j2", context={"detail": detail, "notice": notice}, headers=headers)
