"""The service's configuration, read from environment variables."""

from entrypoints.settings.loading import SettingsError, load_settings
from entrypoints.settings.model import KNOWN_VARIABLES, BatchSize, Settings
from entrypoints.settings.targets import (
    DatabaseTarget,
    MemoryTarget,
    MySqlTarget,
    PostgresTarget,
    SqliteTarget,
)

__all__ = [
    "KNOWN_VARIABLES",
    "BatchSize",
    "DatabaseTarget",
    "MemoryTarget",
    "MySqlTarget",
    "PostgresTarget",
    "Settings",
    "SettingsError",
    "SqliteTarget",
    "load_settings",
]
