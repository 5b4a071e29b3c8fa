"""Routes of the message group: create, list, inspect, statistics, cache and replay."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from litestar import Controller, HttpMethod, Response, get, post, route
from litestar.params import HeaderParameter, JSONBody, PathParameter, QueryParameter
from litestar.types import Method

from entrypoints.web.api_keys import require_messages_key
from entrypoints.web.dependencies import Messages
from entrypoints.web.dto import (
    AttemptBody,
    AttemptsSuccess,
    CachedPageOf,
    MessageBody,
    MessagePage,
    MessageSuccess,
    ReplayedBody,
    ReplayedSuccess,
    ReplayPreviewBody,
    ReplayPreviewSuccess,
    StatsBody,
    StatsSuccess,
    message_json,
)
from entrypoints.web.envelopes import also, guarded, ok, page_of
from entrypoints.web.json_body import json_body, optional_json_body
from entrypoints.web.message_input import CreateMessage, prepare_new_message
from entrypoints.web.replay_input import ReplayFailed
from entrypoints.web.request_bodies import require_body
from insider_core import Message, MessageNotFound, MessageStatus, Page

LARGEST_ID = 2**63 - 1
MessageId = Annotated[int, PathParameter(description="The message's id")]
PageNumber = Annotated[int, QueryParameter(ge=1, le=1_000_000_000, description="1-based page")]
PageSize = Annotated[int, QueryParameter(name="pageSize", ge=1, le=100, description="1..100")]
StatusFilter = Annotated[
    MessageStatus | None, QueryParameter(description="Only messages with this status")
]
CACHED_LIMIT = 100
CACHED_LIMIT_MAX = 1000
# The largest integer a JSON number carries exactly (and so a bound the document states as
# it is): far above any id a store hands out.
CACHED_AFTER_MAX = 2**53 - 1
CACHED_PAGING = (
    f"At most `limit` entries (default {CACHED_LIMIT}, at most {CACHED_LIMIT_MAX}) with an id "
    "above `after`, lowest id first. `nextAfter` is the `after` of the next page, null once "
    "none follows. A page may hold fewer than `limit` entries while `nextAfter` is set (an "
    "entry expired as it was read): read on until `nextAfter` is null."
)
CachedAfter = Annotated[
    int,
    QueryParameter(
        ge=0,
        le=CACHED_AFTER_MAX,
        description="Only entries with an id above this one: the previous page's nextAfter",
    ),
]
CachedLimit = Annotated[
    int,
    QueryParameter(
        ge=1, le=CACHED_LIMIT_MAX, description=f"1..{CACHED_LIMIT_MAX} (default {CACHED_LIMIT})"
    ),
]
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="A repeated key returns the original message instead of a second one",
    ),
]

REPEATED_KEY = also(200, MessageSuccess, "The Idempotency-Key was seen before: the original")


def listed_page(page: Page[Message]) -> MessagePage:
    """Items already encoded (message_json), which the response's encoder writes as they are."""
    return page_of(MessagePage, page, message_json)


def replay_all_operation_id(_: object, __: Method, path: Sequence[object]) -> str:
    """/replay/all and its alias /replay are two operations of one handler."""
    return "replayFailedMessages" if path[-1] == "all" else "replayFailedMessagesAlias"


def existing_id(message_id: int) -> int:
    """Ids outside the store's range cannot exist; say so instead of asking the database."""
    if not 1 <= message_id <= LARGEST_ID:
        raise MessageNotFound(message_id)
    return message_id


class MessagesController(Controller):
    path = "/api/v1/messages"
    tags = ["messages"]
    before_request = staticmethod(require_messages_key)
    security = [{"MessagesApiKey": []}]

    @post(
        "",
        status_code=201,
        responses={**guarded(400, 413, 422), **REPEATED_KEY},
        summary="Create a message",
        **json_body(CreateMessage),
    )
    async def create_message(
        self,
        messages: Messages,
        data: JSONBody[CreateMessage | None] = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[MessageSuccess]:
        new = prepare_new_message(messages, require_body(data), idempotency_key)
        message, created = await messages.add(new)
        if created:
            text, status = "Message created successfully", 201
        else:
            text, status = "Message already exists for this Idempotency-Key", 200
        return Response(ok(MessageSuccess, MessageBody.of(message), text), status_code=status)

    @route("", http_method=HttpMethod.OPTIONS, status_code=204, include_in_schema=False)
    async def collection_options(self) -> Response[None]:
        """Litestar 2's own answer names only one of the two methods of this path."""
        return Response(None, status_code=204, headers={"Allow": "GET, OPTIONS, POST"})

    @get("", responses=guarded(400, 422), summary="List messages, newest first")
    async def list_messages(
        self,
        messages: Messages,
        page: PageNumber = 1,
        page_size: PageSize = 20,
        status: StatusFilter = None,
    ) -> MessagePage:
        return listed_page(await messages.list_page(page=page, page_size=page_size, status=status))

    @get("/sent", responses=guarded(400, 422), summary="List sent messages, newest sentAt first")
    async def list_sent_messages(
        self, messages: Messages, page: PageNumber = 1, page_size: PageSize = 20
    ) -> MessagePage:
        return listed_page(await messages.list_sent(page, page_size))

    @get("/stats", responses=guarded(), summary="Count messages by status")
    async def get_message_stats(self, messages: Messages) -> StatsSuccess:
        return ok(StatsSuccess, StatsBody.of(await messages.stats()))

    @get(
        "/cached",
        responses=guarded(400, 422),
        summary="Sent messages held in the cache (24 h), lowest id first",
        description=CACHED_PAGING,
    )
    async def list_cached_sends(
        self, messages: Messages, after: CachedAfter = 0, limit: CachedLimit = CACHED_LIMIT
    ) -> CachedPageOf:
        return CachedPageOf.of(await messages.cached(after, limit))

    @post(
        ["/replay/all", "/replay"],
        status_code=200,
        responses=guarded(400, 413, 422),
        summary="Replay DLQ",
        operation_id=replay_all_operation_id,
        **optional_json_body(ReplayFailed),
    )
    async def replay_failed_messages(
        self, messages: Messages, data: JSONBody[ReplayFailed | None] = None
    ) -> ReplayedSuccess | ReplayPreviewSuccess:
        """Every failed message, or with `since` only those that failed at or after it. With
        `dryRun` the answer is `{"dryRun": true, "wouldReplay": n}` and nothing changes."""
        options = data or ReplayFailed()
        count = await messages.replay_all(since=options.since, dry_run=options.dry_run)
        if options.dry_run:
            preview = ReplayPreviewBody(dry_run=True, would_replay=count)
            text = f"Dry run: {count} failed messages would be replayed"
            return ok(ReplayPreviewSuccess, preview, text)
        replayed = ReplayedBody(replayed=count)
        return ok(ReplayedSuccess, replayed, f"{count} failed messages replayed")

    @get("/{message_id:int}", responses=guarded(400, 404), summary="One message")
    async def get_message(self, messages: Messages, message_id: MessageId) -> MessageSuccess:
        return ok(MessageSuccess, MessageBody.of(await messages.get(existing_id(message_id))))

    @get(
        "/{message_id:int}/attempts",
        responses=guarded(400, 404),
        summary="Delivery attempts, oldest first",
    )
    async def list_message_attempts(
        self, messages: Messages, message_id: MessageId
    ) -> AttemptsSuccess:
        found = await messages.attempts(existing_id(message_id))
        return ok(AttemptsSuccess, [AttemptBody.of(attempt) for attempt in found])

    @post(
        "/{message_id:int}/replay",
        status_code=200,
        responses=guarded(400, 404),
        summary="Replay one",
    )
    async def replay_message(self, messages: Messages, message_id: MessageId) -> ReplayedSuccess:
        await messages.replay_one(existing_id(message_id))
        return ok(ReplayedSuccess, ReplayedBody(replayed=1), f"Message {message_id} replayed")
