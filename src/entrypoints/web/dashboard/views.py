"""What each part of the dashboard shows, read from the core's use cases. Parts the operator
has no key for are left out (None), so a template can say which key would show them."""

from __future__ import annotations

from typing import Any, NamedTuple

import msgspec

from entrypoints.web.dashboard.chart import Chart, activity_chart
from entrypoints.web.dashboard.search import Search
from entrypoints.web.dashboard.session import Grants
from entrypoints.web.scheduler_dto import SchedulerBody
from insider_core import (
    DeliveryActivity,
    DeliveryAttempt,
    Message,
    MessageNotFound,
    MessageService,
    MessageStats,
    MessageStatus,
    Page,
    ServiceControl,
)

CHART_MINUTES = 15
PAGE_SIZE = 20
RECEIVER_STATES = ("closed", "open", "half-open")


class Overview(NamedTuple):
    stats: MessageStats | None
    scheduler: dict[str, Any] | None
    receiver: dict[str, Any] | None


class Listing(NamedTuple):
    status: MessageStatus | None
    search: Search
    page: Page[Message]


class Detail(NamedTuple):
    message: Message
    attempts: list[DeliveryAttempt]

    @property
    def replayable(self) -> bool:
        return self.message.status is MessageStatus.FAILED


def one_page(items: list[Message]) -> Page[Message]:
    return Page(items=items, page=1, page_size=PAGE_SIZE, total_count=len(items))


async def scheduler_part(
    service: ServiceControl,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The service's scheduler status as the API shows it, and its receiver breaker."""
    status: dict[str, Any] = msgspec.to_builtins(SchedulerBody.of(await service.status()))
    return status, receiver_of(status)


def receiver_of(status: dict[str, Any]) -> dict[str, Any] | None:
    """The breaker in a scheduler status as the API shows it; None (unknown) when the status
    has none, or one in a state this page does not know."""
    receiver = status.get("receiver")
    if not isinstance(receiver, dict) or receiver.get("state") not in RECEIVER_STATES:
        return None
    return receiver


async def overview(grants: Grants, messages: MessageService, service: ServiceControl) -> Overview:
    stats = status = receiver = None
    if grants.messages:
        stats = await messages.stats()
    if grants.scheduler:
        status, receiver = await scheduler_part(service)
    return Overview(stats, status, receiver)


async def activity(activity: DeliveryActivity) -> Chart:
    return activity_chart(await activity.last_minutes(CHART_MINUTES))


async def listing(
    messages: MessageService, status: MessageStatus | None, search: Search, page: int
) -> Listing:
    if search.message_id is not None:
        try:
            found = [await messages.get(search.message_id)]
        except MessageNotFound:
            found = []
        items = [m for m in found if status in (None, m.status)]
        return Listing(status, search, one_page(items))
    if search.problem is not None:
        return Listing(status, search, one_page([]))
    found_page = await messages.list_page(page, PAGE_SIZE, status, search.phone_number)
    return Listing(status, search, found_page)


async def detail(messages: MessageService, message_id: int) -> Detail:
    """Raises MessageNotFound."""
    return Detail(await messages.get(message_id), await messages.attempts(message_id))
