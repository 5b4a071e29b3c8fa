"""How a route declares its JSON request body: `@post(..., **json_body(CreateMessage))`. Litestar
hands the body's bytes to `JsonBody`, a DTO that reads them with request_bodies.read_body and
documents the body as its Struct (closed to unknown fields when the Struct forbids them). An
optional body (`optional_json_body`) may be absent or JSON null, and is documented as optional."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import msgspec
from litestar.dto import AbstractDTO, DTOFieldDefinition
from litestar.openapi.spec import Operation, Reference, RequestBody, Schema
from litestar.params import Body
from litestar.typing import FieldDefinition

from entrypoints.web.request_bodies import read_body

T = TypeVar("T")


class JsonBody(AbstractDTO[T]):
    null_allowed: ClassVar[bool] = False

    @classmethod
    def generate_field_definitions(
        cls, model_type: type[Any]
    ) -> Generator[DTOFieldDefinition, None, None]:
        """None: read_body builds the Struct itself, without a transfer model."""
        yield from ()

    @classmethod
    def detect_nested_field(cls, field_definition: FieldDefinition) -> bool:
        return False

    @classmethod
    def create_for_field_definition(
        cls, field_definition: FieldDefinition, handler_id: str, backend_cls: Any = None
    ) -> None:
        """Nothing to prepare: read_body builds the Struct itself, without a transfer model."""

    @classmethod
    def create_openapi_schema(
        cls, field_definition: FieldDefinition, handler_id: str, schema_creator: Any
    ) -> Reference | Schema:
        closed = cls._struct().__struct_config__.forbid_unknown_fields
        body = Body(schema_extra={"additionalProperties": False} if closed else None)
        struct = FieldDefinition.from_annotation(cls.model_type, kwarg_definition=body)
        schema: Reference | Schema = schema_creator.for_field_definition(struct)
        if cls.null_allowed:  # the same component, or null
            either = FieldDefinition.from_annotation(cls.model_type | None)
            schema = schema_creator.for_field_definition(either)
        return schema

    def decode_bytes(self, value: bytes) -> Any:
        return read_body(value, self._struct(), null_allowed=self.null_allowed)

    @classmethod
    def _struct(cls) -> type[msgspec.Struct]:
        model: type[msgspec.Struct] = cls.model_type  # type: ignore[assignment]
        return model


class OptionalJsonBody(JsonBody[T]):
    null_allowed = True


@dataclass
class OptionalBodyOperation(Operation):
    """Litestar documents every request body as required."""

    def __post_init__(self) -> None:
        if isinstance(self.request_body, RequestBody):
            self.request_body.required = False


def json_body(body_type: type[msgspec.Struct]) -> dict[str, Any]:
    """The route's options for a body it needs; its handler reads `data: T | None = None`
    (None when the request has no body at all: see request_bodies.require_body)."""
    return {"dto": JsonBody[body_type], "return_dto": None}  # type: ignore[valid-type]


def optional_json_body(body_type: type[msgspec.Struct]) -> dict[str, Any]:
    return {
        "dto": OptionalJsonBody[body_type],  # type: ignore[valid-type]
        "return_dto": None,
        "operation_class": OptionalBodyOperation,
    }
