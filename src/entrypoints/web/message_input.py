"""What POST /api/v1/messages reads."""

from __future__ import annotations

from typing import Annotated

import msgspec

from entrypoints.web.dto import Camel

# The rules of the core's validation, said in the OpenAPI document for
# clients and fuzzers. They are documentation only: the core enforces them and names each
# broken rule in `details`. The longest content is a setting, added when the app is built.
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


class CreateMessage(Camel, frozen=True, forbid_unknown_fields=True):
    content: Content
    phone_number: PhoneNumber
