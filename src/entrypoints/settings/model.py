"""Every setting of the service, named and typed exactly as its environment variable."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from entrypoints.settings.targets import (
    DatabaseTarget,
    MySqlTarget,
    SqliteTarget,
    parse_database_url,
    redis_url_from_parts,
)
from insider_core import MAX_BATCH_SIZE, MAX_PIPELINE

Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]
Positive = Annotated[float, msgspec.Meta(gt=0, le=86_400)]
NonNegative = Annotated[float, msgspec.Meta(ge=0, le=31_536_000)]
BatchSize = Annotated[int, msgspec.Meta(ge=1, le=MAX_BATCH_SIZE)]
"""How many messages one batch may claim; the settings and the API decode with it."""
Pipeline = Annotated[int, msgspec.Meta(ge=1, le=MAX_PIPELINE)]
DEFAULT_SQLITE_PATH = "./insider.db"


class Settings(msgspec.Struct, frozen=True, kw_only=True, rename="upper"):
    server_host: str = "0.0.0.0"
    server_port: Port = 8080

    database_url: str | None = None
    db_host: str | None = None
    db_port: Port = 3306
    db_user: str = "insider"
    db_password: str = ""
    db_name: str = "insider_messages"
    db_pool_size: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 10
    db_connect_timeout_seconds: Positive = 10
    db_pool_recycle_seconds: Annotated[int, msgspec.Meta(ge=1, le=86_400)] = 3600

    redis_url: str | None = None
    redis_host: str | None = None
    redis_port: Port = 6379
    redis_password: str | None = None
    redis_db: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 0

    webhook_url: str | None = None
    webhook_auth_key: str | None = None
    webhook_signing_secret: str | None = None
    webhook_timeout_seconds: Positive = 30
    webhook_concurrency: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 16
    webhook_rate_limit: Annotated[float, msgspec.Meta(ge=0, le=1_000_000)] = 0
    webhook_max_pause_seconds: NonNegative = 300
    breaker_window: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 20
    breaker_min_sends: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 5
    breaker_failure_ratio: Annotated[float, msgspec.Meta(gt=0, le=1)] = 0.5
    breaker_probe_delay_seconds: Positive = 1
    breaker_max_probe_delay_seconds: Positive = 30
    dispatch_pipeline: Pipeline = 3

    message_batch_size: BatchSize = 2
    message_send_interval_minutes: Annotated[float, msgspec.Meta(gt=0, le=1440)] = 2
    message_send_interval_seconds: Positive | None = None
    message_max_content_length: Annotated[int, msgspec.Meta(ge=4, le=1_000_000)] = 1000
    max_attempts: Annotated[int, msgspec.Meta(ge=1, le=100)] = 3
    retry_base_seconds: NonNegative = 30
    retry_max_seconds: NonNegative = 3600
    claim_lease_seconds: Positive | None = None
    failure_rate: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.0
    auto_start_scheduler: bool = True
    shutdown_timeout_seconds: Positive = 60
    seed_data: bool = False

    alert_webhook_url: str | None = None
    alert_iteration_count: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 0

    messages_api_key: str | None = None
    scheduler_api_key: str | None = None

    log_format: Literal["json", "console"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    def __repr__(self) -> str:
        """Secrets are masked, so settings can be logged."""
        shown = ", ".join(
            f"{name}={'***' if _is_secret(name) and value else repr(value)}"
            for name, value in msgspec.structs.asdict(self).items()
        )
        return f"Settings({shown})"

    @property
    def interval_seconds(self) -> float:
        """MESSAGE_SEND_INTERVAL_SECONDS wins over MESSAGE_SEND_INTERVAL_MINUTES."""
        if self.message_send_interval_seconds is not None:
            return self.message_send_interval_seconds
        return self.message_send_interval_minutes * 60

    @property
    def database(self) -> DatabaseTarget:
        """DATABASE_URL wins over DB_*; with neither, SQLite in ./insider.db."""
        if self.database_url is not None:
            return parse_database_url(self.database_url)
        if self.db_host is None:
            return SqliteTarget(path=DEFAULT_SQLITE_PATH)
        return MySqlTarget(
            host=self.db_host,
            port=self.db_port,
            user=self.db_user,
            password=self.db_password,
            database=self.db_name,
        )

    @property
    def redis_connection_url(self) -> str | None:
        """REDIS_URL wins over REDIS_*; None means the in-memory cache."""
        if self.redis_url is not None:
            return self.redis_url
        if self.redis_host is None:
            return None
        return redis_url_from_parts(
            self.redis_host, self.redis_port, self.redis_password, self.redis_db
        )


def _is_secret(name: str) -> bool:
    return name.endswith(("password", "_key", "secret")) or name in ("database_url", "redis_url")


KNOWN_VARIABLES: frozenset[str] = frozenset(
    field.encode_name for field in msgspec.structs.fields(Settings)
)
