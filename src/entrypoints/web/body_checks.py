"""Every problem of a JSON request body at once: msgspec (and Litestar, which converts bodies
leniently, "3" for 3) stops at the first; a client should learn of all of them in one 422."""

from __future__ import annotations

from typing import Any, get_args

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException
from litestar.utils.scope.state import ScopeState
from litestar.types import Empty


def every_problem(body_type: type[msgspec.Struct], raw: Any) -> dict[str, str]:
    """`{field: msgspec's reason}` for each missing, unknown or invalid field of `raw`, the
    body as the JSON decoder gave it, checked strictly (a string is no number)."""
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
        try:
            msgspec.convert(raw[field.encode_name], field.type, strict=True)
        except msgspec.ValidationError as error:
            problems[field.encode_name] = str(error).split(" - at `$", 1)[0]
    for name in raw:
        if name not in known:
            problems[str(name)] = "unknown field"
    return problems


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
