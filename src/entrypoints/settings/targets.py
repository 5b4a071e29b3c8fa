"""Where the store and the cache live, parsed from URLs."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote, urlsplit

import msgspec

MYSQL_SCHEMES = ("mysql", "mariadb", "mysql+aiomysql")
POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+asyncpg")
REDIS_SCHEMES = ("redis", "rediss", "unix")
HTTP_SCHEMES = ("http", "https")


class MySqlTarget(msgspec.Struct, frozen=True, kw_only=True):
    host: str
    port: int = 3306
    user: str
    password: str = ""
    database: str

    def __repr__(self) -> str:
        return f"MySqlTarget({self.user}@{self.host}:{self.port}/{self.database})"

    @property
    def shown_url(self) -> str:
        """The URL with the password hidden and the port always shown."""
        credentials = quote(self.user, safe="") + (":***" if self.password else "")
        return f"mysql://{credentials}@{self.host}:{self.port}/{self.database}"


class PostgresTarget(msgspec.Struct, frozen=True, kw_only=True):
    host: str
    port: int = 5432
    user: str
    password: str = ""
    database: str

    def __repr__(self) -> str:
        return f"PostgresTarget({self.user}@{self.host}:{self.port}/{self.database})"

    @property
    def shown_url(self) -> str:
        """The URL with the password hidden and the port always shown."""
        credentials = quote(self.user, safe="") + (":***" if self.password else "")
        return f"postgresql://{credentials}@{self.host}:{self.port}/{self.database}"


class SqliteTarget(msgspec.Struct, frozen=True, kw_only=True):
    path: str

    @property
    def shown_url(self) -> str:
        return f"sqlite:///{self.path}"


class MemoryTarget(msgspec.Struct, frozen=True, kw_only=True):
    @property
    def shown_url(self) -> str:
        return "memory://"


DatabaseTarget = MySqlTarget | PostgresTarget | SqliteTarget | MemoryTarget


def parse_database_url(url: str) -> DatabaseTarget:
    """`mysql://user:pass@host:port/db`, `postgresql://user:pass@host:port/db`,
    `sqlite:///relative.db`, `sqlite:////abs.db`, `memory://`. Raises ValueError saying what
    is wrong."""
    if "://" not in url:
        raise ValueError(
            "expected a URL such as mysql://user:pass@host:3306/db, "
            "postgresql://user:pass@host:5432/db or sqlite:///x.db"
        )
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    if scheme == "memory":
        return MemoryTarget()
    if scheme == "sqlite":
        return _sqlite(rest)
    if scheme in MYSQL_SCHEMES:
        return MySqlTarget(**_server(url, "MySQL", "mysql", 3306))
    if scheme in POSTGRES_SCHEMES:
        return PostgresTarget(**_server(url, "PostgreSQL", "postgresql", 5432))
    raise ValueError(f"unsupported scheme '{scheme}' (use mysql, postgresql, sqlite or memory)")


def _sqlite(rest: str) -> SqliteTarget:
    if not rest.startswith("/") or len(rest) < 2:
        raise ValueError("a SQLite URL looks like sqlite:///path/to/file.db")
    return SqliteTarget(path=unquote(rest[1:]))


def _server(url: str, name: str, scheme: str, default_port: int) -> dict[str, Any]:
    """Host, port, user, password and database of a database server's URL."""
    example = f"{scheme}://user:pass@host:{default_port}/db"
    parts = urlsplit(url)
    try:
        port = parts.port or default_port
    except ValueError as error:
        raise ValueError("the port must be a number between 0 and 65535") from error
    database = unquote(parts.path.lstrip("/"))
    if not parts.hostname:
        raise ValueError(f"a {name} URL needs a host: {example}")
    if not database or "/" in database:
        raise ValueError(f"a {name} URL needs a database name: {example}")
    if not parts.username:
        raise ValueError(f"a {name} URL needs a user: {example}")
    return {
        "host": parts.hostname,
        "port": port,
        "user": unquote(parts.username),
        "password": unquote(parts.password or ""),
        "database": database,
    }


def check_redis_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in REDIS_SCHEMES:
        raise ValueError("expected a URL such as redis://host:6379/0")
    if parts.scheme.lower() != "unix" and not parts.hostname:
        raise ValueError("a Redis URL needs a host: redis://host:6379/0")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError as error:
        raise ValueError("the port must be a number between 0 and 65535") from error


def check_http_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in HTTP_SCHEMES or not parts.hostname:
        raise ValueError("expected an http:// or https:// URL with a host")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError as error:
        raise ValueError("the port must be a number between 0 and 65535") from error


def redis_url_from_parts(host: str, port: int, password: str | None, db: int) -> str:
    credentials = f":{quote(password, safe='')}@" if password else ""
    return f"redis://{credentials}{host}:{port}/{db}"
