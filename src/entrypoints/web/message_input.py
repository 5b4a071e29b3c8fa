"""What POST /api/v1/messages reads."""

from __future__ import annotations

from typing import Annotated

import msgspec

from entrypoints.web.dto import Camel
from entrypoints.web.time_input import read_time, time_field
from insider_core import InvalidMessage, MessageService, NewMessage

# The rules of the core's validation, said in the OpenAPI document for
# clients and fuzzers. They are documentation only: the core enforces them and names each
# broken rule in `details`. The longest content is a setting: docs.string_schemas says it.
NON_BLANK_WITHOUT_NUL = r"^[^\x00]*[^\s\x00][^\x00]*$"
E164 = r"^\+[1-9][0-9]{7,14}$"
Content = Annotated[
    str,
    msgspec.Meta(
        extra_json_schema={
            "description": "Not blank, no NUL characters, at most MESSAGE_MAX_CONTENT_LENGTH "
            "characters",
            "extra": {"minLength": 1, "pattern": NON_BLANK_WITHOUT_NUL},
        }
    ),
]
PhoneNumber = Annotated[
    str,
    msgspec.Meta(
        extra_json_schema={
            "description": "E.164: '+' then 8 to 15 ASCII digits, the first not 0",
            "examples": ["+905551112233"],
            "extra": {"pattern": E164},
        }
    ),
]


# A time read with the core's rules (prepare_new_message), so that a bad sendAt is named beside
# every other bad field; documented as a date-time by docs.string_schemas.
SendAt = Annotated[
    str,
    time_field(
        "When to send the message first (its nextAttemptAt): at most a year ahead; a past time "
        "means now."
    ),
]


class CreateMessage(Camel, frozen=True, forbid_unknown_fields=True):
    content: Content
    phone_number: PhoneNumber
    send_at: SendAt | None = None


def prepare_new_message(
    messages: MessageService, data: CreateMessage, idempotency_key: str | None
) -> NewMessage:
    """The message to store. InvalidMessage names every bad field at once, a sendAt that is
    not a time among them."""
    unreadable: dict[str, str] = {}
    send_at = None
    if data.send_at is not None:
        try:
            send_at = read_time(data.send_at)
        except ValueError as error:
            unreadable["sendAt"] = str(error)
    try:
        new = messages.prepare(data.content, data.phone_number, idempotency_key, send_at=send_at)
    except InvalidMessage as error:
        raise InvalidMessage({**error.details, **unreadable}) from None
    if unreadable:
        raise InvalidMessage(unreadable)
    return new
