"""Versioned schema changes: the SQL files in an adapter's `schema/` folder, in name order."""

from __future__ import annotations

import re
from importlib.resources import files
from typing import NamedTuple, Protocol, TypeVar

STATEMENT_END = re.compile(r";[ \t]*$")
# A compound statement (a trigger's body) runs from a line ending in BEGIN to a line that is
# END;, and the semicolons inside it end the statements of the body, not the script's.
BLOCK_BEGIN = re.compile(r"\bBEGIN[ \t]*$", re.IGNORECASE)
BLOCK_END = re.compile(r"^[ \t]*END[ \t]*;?[ \t]*$", re.IGNORECASE)


class Migratable(Protocol):
    async def migrate(self) -> list[str]: ...

    async def close(self) -> None: ...


M = TypeVar("M", bound=Migratable)


async def migrated(store: M, *, migrate: bool = True) -> M:
    """A store just opened, once the migrations it lacks are applied (unless `migrate` is
    false); closed again if they fail, so a store that could not start holds no connection."""
    try:
        if migrate:
            await store.migrate()
    except BaseException:
        await store.close()
        raise
    return store


class SchemaConflict(RuntimeError):
    """The database holds something the migrations cannot build on; says what, in one line."""


class Migration(NamedTuple):
    name: str
    statements: list[str]


def load_migrations(package: str, folder: str = "schema") -> list[Migration]:
    schema = files(package).joinpath(folder)
    scripts = sorted(
        (entry for entry in schema.iterdir() if entry.name.endswith(".sql")),
        key=lambda entry: entry.name,
    )
    return [
        Migration(entry.name.removesuffix(".sql"), split_statements(entry.read_text("utf-8")))
        for entry in scripts
    ]


def split_statements(script: str) -> list[str]:
    """Statements end with a semicolon at the end of a line, except inside a BEGIN ... END
    block, which ends at a line that is `END;`."""
    statements: list[str] = []
    current: list[str] = []
    depth = 0
    for line in script.splitlines():
        current.append(line)
        code = line.split("--", 1)[0].rstrip() if line.lstrip().startswith("--") else line
        if BLOCK_BEGIN.search(code):
            depth += 1
        elif depth and BLOCK_END.match(code):
            depth -= 1
        if depth == 0 and STATEMENT_END.search(code):
            statements.append(_without_final_semicolon("\n".join(current)))
            current = []
    statements.append("\n".join(current).strip())
    return [statement for statement in statements if _has_code(statement)]


def _without_final_semicolon(statement: str) -> str:
    return statement.strip().removesuffix(";").rstrip()


def _has_code(chunk: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in chunk.splitlines())
