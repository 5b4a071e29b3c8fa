"""msgspec's validation texts in plain words, for the settings' start-up errors and the query
and header parameters Litestar checks: "Expected `int` >= 1" reads "must be an integer >= 1"."""

from __future__ import annotations

import re

FIELD_AT_PATH = re.compile(r" - at `\$\.(?P<name>[^`]+)`$")
"""Where msgspec says the invalid field is, at the end of its text."""
EXPECTED = re.compile(r"Expected `(?P<type>[\w |]+)`(?:, got `[\w ]+`)?(?P<bound>.*)")
TYPE_NAMES = {
    "int": "an integer",
    "float": "a number",
    "str": "a string",
    "bool": "true or false",
    "object": "a JSON object",
    "array": "a JSON array",
}


def is_bad_choice(reason: str) -> bool:
    """A value outside a Literal or an Enum; the caller knows the choices."""
    return reason.startswith("Invalid enum value")


def plain_expectation(reason: str) -> str | None:
    """What the field must be, in words; None when `reason` is not a type or bound error."""
    expected = EXPECTED.fullmatch(reason)
    if expected is None:
        return None
    expected_type = expected["type"].removesuffix(" | null")  # null: unset, the default
    kind = TYPE_NAMES.get(expected_type, f"of type {expected_type}")
    return f"must be {kind}{expected['bound']}"
