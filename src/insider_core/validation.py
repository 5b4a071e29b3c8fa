"""Rules for what a message may contain."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from insider_core.errors import InvalidMessage

# E.164: a plus sign, then 8 to 15 ASCII digits, the first not zero.
E164 = re.compile(r"\+[1-9][0-9]{7,14}")
# How far ahead a message may be scheduled.
LONGEST_SCHEDULE = timedelta(days=365)


def validate_new_message(
    content: str,
    phone_number: str,
    max_content_length: int,
    *,
    send_at: datetime | None = None,
    now: datetime | None = None,
) -> None:
    """Raise InvalidMessage naming every field that breaks a rule. A `send_at` is checked
    against `now` (which it then needs)."""
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
    if send_at is not None and (problem := schedule_problem(send_at, now)):
        details["sendAt"] = problem
    if details:
        raise InvalidMessage(details)


def schedule_problem(send_at: datetime, now: datetime | None) -> str | None:
    """What is wrong with sending first at `send_at`, if anything. A past time means now."""
    if send_at.utcoffset() is None:
        return "must have a UTC offset or Z"
    if now is None:
        raise ValueError("a send_at is checked against the current time")
    if send_at - now > LONGEST_SCHEDULE:
        return "must be at most a year (365 days) ahead"
    return None


def _is_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
