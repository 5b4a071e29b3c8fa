"""msgspec's validation texts in plain words, for the API's error details and the settings'
start-up errors alike: "Expected `int` >= 1" reads "must be an integer >= 1"."""

from __future__ import annotations

import re

import msgspec

FIELD_AT_PATH = re.compile(r" - at `\$\.(?P<name>[^`]+)`$")
"""Where msgspec says the invalid field is, at the end of its text."""
FIELD_NAMED = re.compile(r"field `(?P<field>[^`]+)`")
"""The field an unknown- or missing-field text names."""
EXPECTED = re.compile(r"Expected `(?P<type>[\w |]+)`(?:, got `[\w ]+`)?(?P<bound>.*)")
TYPE_NAMES = {
    "int": "an integer",
    "float": "a number",
    "str": "a string",
    "bool": "true or false",
    "object": "a JSON object",
    "array": "a JSON array",
}

PATH_MARK = " - at `$"


def without_path(error: msgspec.ValidationError) -> str:
    """The reason alone, without where in the document msgspec found it."""
    return str(error).split(PATH_MARK, 1)[0]


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
