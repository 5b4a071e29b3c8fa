"""Rules for what a message may contain."""

from __future__ import annotations

import re

from insider_core.errors import InvalidMessage

# E.164: a plus sign, then 8 to 15 ASCII digits, the first not zero.
E164 = re.compile(r"\+[1-9][0-9]{7,14}")
ELLIPSIS = "..."


def validate_new_message(content: str, phone_number: str, max_content_length: int) -> None:
    """Raise InvalidMessage naming every field that breaks a rule."""
    details: dict[str, str] = {}
    if not content.strip():
        details["content"] = "must not be empty"
    elif len(content) > max_content_length:
        details["content"] = f"must be at most {max_content_length} characters"
    elif not _is_encodable(content):
        details["content"] = "must be valid Unicode text (no lone surrogates)"
    elif "\x00" in content:
        # No text a recipient can read, and many gateways cut the message at it.
        details["content"] = "must not contain NUL characters"
    if E164.fullmatch(phone_number) is None:
        details["phoneNumber"] = "must be E.164: '+' then 8 to 15 digits"
    if details:
        raise InvalidMessage(details)


def _is_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def truncate_for_sending(content: str, limit: int) -> str:
    """Cut on a character (code point) boundary to `limit` characters, ending in '...'."""
    if len(content) <= limit:
        return content
    if limit <= len(ELLIPSIS):
        return content[:limit]
    return content[: limit - len(ELLIPSIS)] + ELLIPSIS
