"""Every problem of a JSON request body at once: msgspec (and Litestar, which converts bodies
leniently, "3" for 3) stops at the first; a client should learn of all of them in one 422."""

from __future__ import annotations

from typing import Any, get_args

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState

from entrypoints.decode_errors import without_path


def every_problem(body_type: type[msgspec.Struct], raw: Any) -> dict[str, str]:
    """`{field: msgspec's reason}` for each missing, unknown or invalid field of `raw`, the
    body as the JSON decoder gave it, checked strictly: a string is no number."""
    if not isinstance(raw, dict):
        return {}
    fields = msgspec.structs.fields(body_type)
    known = {field.encode_name for field in fields}
    problems: dict[str, str] = {}
    for field in fields:
        if field.encode_name not in raw:
            if field.required:
                problems[field.encode_name] = "is required"
            continue
        if (problem := _problem(raw[field.encode_name], field.type)) is not None:
            problems[field.encode_name] = problem
    for name in raw:
        if name not in known:
            problems[str(name)] = "unknown field"
    return problems


def _problem(value: Any, expected: Any) -> str | None:
    """Strict, except that a whole number written as 1.0 is an integer (as in JSON Schema)."""
    try:
        msgspec.convert(value, expected, strict=True)
    except msgspec.ValidationError as strict_error:
        if isinstance(value, str | bool):
            return without_path(strict_error)
        try:
            msgspec.convert(value, expected, strict=False)
        except msgspec.ValidationError as error:
            return without_path(error)
    return None


def body_type_of(request: Request[Any, Any, Any]) -> type[msgspec.Struct] | None:
    """The Struct the route reads its body as, if any (`StartScheduler | None` included)."""
    field = request.route_handler.parsed_data_field
    if field is None:
        return None
    candidates = [field.annotation, *get_args(field.annotation)]
    return next(
        (c for c in candidates if isinstance(c, type) and issubclass(c, msgspec.Struct)), None
    )


def decoded_body(request: Request[Any, Any, Any]) -> Any:
    """The JSON body as decoded for this request, or Empty when it was not read."""
    return ScopeState.from_scope(request.scope).json


def problems_of_read_body(request: Request[Any, Any, Any]) -> dict[str, str]:
    body_type = body_type_of(request)
    raw = decoded_body(request)
    if body_type is None or raw is Empty:
        return {}
    return every_problem(body_type, raw)


def require_strict_body(request: Request[Any, Any, Any]) -> None:
    """Refuse what Litestar's lenient conversion let through (a number given as a string)."""
    if problems := problems_of_read_body(request):
        raise ValidationException(
            extra=[
                {"key": name, "message": reason, "source": "body"}
                for name, reason in problems.items()
            ]
        )
