"""The service's configuration, read from environment variables."""

from entrypoints.settings.loading import SettingsError, load_settings
from entrypoints.settings.model import KNOWN_VARIABLES, BatchSize, Settings
from entrypoints.settings.targets import DatabaseTarget, MemoryTarget, MySqlTarget, SqliteTarget

__all__ = [
    "KNOWN_VARIABLES",
    "BatchSize",
    "DatabaseTarget",
    "MemoryTarget",
    "MySqlTarget",
    "Settings",
    "SettingsError",
    "SqliteTarget",
    "load_settings",
]
