"""What the operator typed in the search box: a message id, or a phone number."""

from __future__ import annotations

import re
from typing import NamedTuple

PHONE = re.compile(r"\+\d{8,15}")
SEPARATORS = re.compile(r"[\s().-]")
LARGEST_ID = 2**63 - 1
HOW_TO_SEARCH = "Search by a message id (digits) or a phone number in E.164 (+ and 8 to 15 digits)"


class Search(NamedTuple):
    text: str = ""
    message_id: int | None = None
    phone_number: str | None = None
    problem: str | None = None


def parse_search(text: str) -> Search:
    """`+90 555 111 22 33` is a phone number, `42` or `#42` a message id."""
    typed = text.strip()[:64]
    compact = SEPARATORS.sub("", typed)
    if not compact:
        return Search()
    if compact.startswith("+"):
        if PHONE.fullmatch(compact):
            return Search(typed, phone_number=compact)
        return Search(typed, problem=HOW_TO_SEARCH)
    digits = compact.removeprefix("#")
    if digits.isascii() and digits.isdigit() and 1 <= int(digits) <= LARGEST_ID:
        return Search(typed, message_id=int(digits))
    return Search(typed, problem=HOW_TO_SEARCH)
