"""Schema names a reader can use: Litestar names a generic body after its arguments' module
paths (`PageOf_entrypoints.web.dto.MessageBody_`); the document calls it `PageOfMessageBody`."""

from __future__ import annotations

import dataclasses
import re
import sys
from typing import Any

from litestar.openapi.spec import OpenAPI, Reference

QUALIFIED = re.compile(
    r"(?<![A-Za-z0-9])(?P<path>[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\.(?P<name>[A-Z][A-Za-z0-9]*)"
)
SCHEMA_REF = "#/components/schemas/"


def readable_name(name: str) -> str:
    """`Success_dict_str_entrypoints.web.dto.CachedBody_` -> `SuccessOfDictStrCachedBody`."""
    plain = QUALIFIED.sub(_without_module, name)
    if "_" not in plain:
        return plain
    generic, *arguments = (part for part in plain.split("_") if part)
    of = generic if generic.endswith("Of") else generic + "Of"
    return of + "".join(part[0].upper() + part[1:] for part in arguments)


def _without_module(match: re.Match[str]) -> str:
    """`dict_str_entrypoints.web.dto.CachedBody` -> `dict_str_CachedBody`: the module is the
    longest tail of the dotted path that is a loaded module."""
    path = match["path"]
    pieces = path.split("_")
    for start in range(len(pieces)):
        if "_".join(pieces[start:]) in sys.modules:
            return "_".join([*pieces[:start], match["name"]])
    return match[0]


def rename_schemas(document: OpenAPI) -> None:
    schemas = document.components.schemas if document.components else None
    if not schemas:
        return
    renamed = {name: readable_name(name) for name in schemas}
    if len(set(renamed.values())) != len(renamed):
        return  # two would share a name: keep Litestar's
    document.components.schemas = {renamed[name]: schema for name, schema in schemas.items()}
    _rewrite_references(
        document, {SCHEMA_REF + old: SCHEMA_REF + new for old, new in renamed.items()}
    )


def _rewrite_references(node: Any, moved: dict[str, str]) -> None:
    if isinstance(node, Reference):
        node.ref = moved.get(node.ref, node.ref)
    elif isinstance(node, dict):
        for value in node.values():
            _rewrite_references(value, moved)
    elif isinstance(node, list | tuple):
        for value in node:
            _rewrite_references(value, moved)
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        for field in dataclasses.fields(node):
            _rewrite_references(getattr(node, field.name), moved)
