"""What the API accepts as a request body: a bounded size, and JSON whose every decoding failure
is the client's 400, never a 500."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import SerializationException

MIN_BODY_LIMIT_BYTES = 64 * 1024
# The longest JSON spelling of one character: a surrogate pair escaped as `\ud83d\ude00`.
MAX_JSON_BYTES_PER_CHARACTER = 12
OTHER_FIELDS_BYTES = 4 * 1024

NOT_UTF8 = "is not valid UTF-8"
TOO_DEEP = "nests arrays or objects too deeply"


def request_body_limit(max_content_length: int) -> int:
    """Bytes a request body may have: room for the longest valid message however it is
    escaped, and never less than 64 KiB. A larger body is refused with 413 unread."""
    largest_message = MAX_JSON_BYTES_PER_CHARACTER * max_content_length + OTHER_FIELDS_BYTES
    return max(MIN_BODY_LIMIT_BYTES, largest_message)


class JsonBodyRequest(Request[Any, Any, Any]):
    """Litestar reports malformed JSON as a client error, but not invalid UTF-8 inside a string
    or nesting deeper than the decoder's recursion limit; those become client errors too."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except UnicodeDecodeError as error:
            raise SerializationException(NOT_UTF8) from error
        except RecursionError as error:
            raise SerializationException(TOO_DEEP) from error
        except SerializationException as error:  # msgspec >= 0.23 reports bad UTF-8 itself
            if not _is_utf8(await self.body()):
                raise SerializationException(NOT_UTF8) from error
            raise


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode()
    except UnicodeDecodeError:
        return False
    return True
