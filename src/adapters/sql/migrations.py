"""Versioned schema changes: the SQL files in an adapter's `schema/` folder, in name order."""

from __future__ import annotations

import re
from importlib.resources import files
from typing import NamedTuple

STATEMENT_END = re.compile(r";[ \t]*(?:\n|$)")


class Migration(NamedTuple):
    name: str
    statements: list[str]


def load_migrations(package: str) -> list[Migration]:
    schema = files(package).joinpath("schema")
    scripts = sorted(
        (entry for entry in schema.iterdir() if entry.name.endswith(".sql")),
        key=lambda entry: entry.name,
    )
    return [
        Migration(entry.name.removesuffix(".sql"), split_statements(entry.read_text("utf-8")))
        for entry in scripts
    ]


def split_statements(script: str) -> list[str]:
    """Statements end with a semicolon at the end of a line."""
    chunks = (chunk.strip() for chunk in STATEMENT_END.split(script))
    return [chunk for chunk in chunks if _has_code(chunk)]


def _has_code(chunk: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in chunk.splitlines())
