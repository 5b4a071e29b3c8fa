"""JSON request bodies, read from their bytes in one place. A body that is not JSON is a 400
(BadJson); one that is names every missing, unknown or invalid field at once (InvalidBody, a
422). Fields are checked strictly, as the OpenAPI document describes them (a string is no number),
except that a whole number written as 1.0 is an integer, as in JSON Schema; a datetime field is
read by read_time."""

from __future__ import annotations

import operator
from functools import cache
from typing import Any, NamedTuple, TypeVar

import msgspec
from msgspec import inspect

from entrypoints.web.time_input import read_time

Body = TypeVar("Body", bound=msgspec.Struct)

MIN_BODY_LIMIT_BYTES = 64 * 1024
# The longest JSON spelling of one character: a surrogate pair escaped as `\ud83d\ude00`.
MAX_JSON_BYTES_PER_CHARACTER = 12
OTHER_FIELDS_BYTES = 4 * 1024

NOT_UTF8 = "is not valid UTF-8"
TOO_DEEP = "nests arrays or objects too deeply"
NOT_AN_OBJECT = "must be a JSON object"
BODY_REQUIRED = "a JSON body is required"
KINDS = {
    inspect.IntType: "an integer",
    inspect.FloatType: "a number",
    inspect.StrType: "a string",
    inspect.BoolType: "true or false",
    inspect.DateTimeType: "a string",
}
BOUNDS = (
    ("gt", ">", operator.gt),
    ("ge", ">=", operator.ge),
    ("lt", "<", operator.lt),
    ("le", "<=", operator.le),
)


class BadJson(Exception):
    """The body is not JSON at all (400); the reason is the decoder's."""


class InvalidBody(Exception):
    """The body is JSON, but not what the route reads (422): `details` names each field."""

    def __init__(self, details: dict[str, str]) -> None:
        super().__init__(details)
        self.details = details


def request_body_limit(max_content_length: int) -> int:
    """Bytes a request body may have: room for the longest valid message however it is
    escaped, and never less than 64 KiB. A larger body is refused with 413 unread."""
    largest_message = MAX_JSON_BYTES_PER_CHARACTER * max_content_length + OTHER_FIELDS_BYTES
    return max(MIN_BODY_LIMIT_BYTES, largest_message)


def read_json(body: bytes) -> Any:
    try:
        return msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError) as error:
        raise BadJson(str(error) if _is_utf8(body) else NOT_UTF8) from None
    except RecursionError:
        raise BadJson(TOO_DEEP) from None


def read_body(body: bytes, body_type: type[Body], *, null_allowed: bool = False) -> Body | None:
    """`body_type` from a JSON object; None for JSON null where `null_allowed`."""
    raw = read_json(body)
    if raw is None and null_allowed:
        return None
    if not isinstance(raw, dict):
        raise InvalidBody({"body": NOT_AN_OBJECT})
    if _converts_whole(body_type):
        try:  # a valid body in one step; field by field only to name what is wrong
            return msgspec.convert(raw, body_type, strict=True)
        except msgspec.ValidationError:
            pass
    fields = _fields_of(body_type)
    problems: dict[str, str] = {}
    values: dict[str, Any] = {}
    for encode_name, field in fields.items():
        if encode_name in raw:
            try:
                values[field.name] = _read_value(raw[encode_name], field)
            except ValueError as problem:
                problems[encode_name] = str(problem)
        elif field.required:
            problems[encode_name] = "is required"
    if body_type.__struct_config__.forbid_unknown_fields:
        problems.update({str(name): "unknown field" for name in raw if name not in fields})
    if problems:
        raise InvalidBody(problems)
    return body_type(**values)


def require_body(body: Body | None) -> Body:
    """The body of a route that cannot do without one."""
    if body is None:
        raise InvalidBody({"body": BODY_REQUIRED})
    return body


class _Field(NamedTuple):
    name: str
    required: bool
    annotation: Any
    expected: inspect.Type
    """The type a value must have, without `| None` (null is the default) or metadata."""


@cache
def _fields_of(body_type: type[msgspec.Struct]) -> dict[str, _Field]:
    return {
        field.encode_name: _Field(
            field.name, field.required, field.type, _expected(inspect.type_info(field.type))
        )
        for field in msgspec.structs.fields(body_type)
    }


@cache
def _converts_whole(body_type: type[msgspec.Struct]) -> bool:
    """msgspec reads every field as read_body would: none is a datetime (read_time's)."""
    fields = _fields_of(body_type).values()
    return not any(isinstance(field.expected, inspect.DateTimeType) for field in fields)


def _expected(info: inspect.Type) -> inspect.Type:
    if isinstance(info, inspect.UnionType):
        others = [t for t in info.types if not isinstance(t, inspect.NoneType)]
        if len(others) == 1:
            info = others[0]
    return info.type if isinstance(info, inspect.Metadata) else info


def _read_value(value: Any, field: _Field) -> Any:
    """The field's value; ValueError says what is wrong with it."""
    expected = field.expected
    if value is not None and isinstance(expected, inspect.DateTimeType):
        if not isinstance(value, str):
            raise ValueError(f"must be {KINDS[inspect.DateTimeType]}")
        return read_time(value)
    try:
        return msgspec.convert(value, field.annotation, strict=not isinstance(value, float))
    except msgspec.ValidationError:
        raise ValueError(_expectation(expected, value)) from None


def _expectation(expected: inspect.Type, value: Any) -> str:
    """What a value must be, with the bound it breaks if it is a number out of range."""
    reason = f"must be {KINDS.get(type(expected), 'valid')}"
    number = isinstance(value, int | float) and not isinstance(value, bool)
    fraction = isinstance(value, float) and not value.is_integer()
    if not number or not isinstance(expected, inspect.IntType | inspect.FloatType):
        return reason
    if fraction and isinstance(expected, inspect.IntType):
        return reason
    for bound, sign, holds in BOUNDS:
        limit = getattr(expected, bound)
        if limit is not None and not holds(value, limit):
            shown = float(limit) if isinstance(expected, inspect.FloatType) else limit
            return f"{reason} {sign} {shown}"
    return reason


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode()
    except UnicodeDecodeError:
        return False
    return True
