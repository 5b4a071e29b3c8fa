"""In-memory adapters: the test fakes, and the embedded default cache."""

from adapters.memory.cache import InMemorySentCache
from adapters.memory.clock import ManualClock
from adapters.memory.notifier import RecordingAlertNotifier
from adapters.memory.repository import InMemoryMessageRepository
from adapters.memory.sender import ScriptedSender

__all__ = [
    "InMemoryMessageRepository",
    "InMemorySentCache",
    "ManualClock",
    "RecordingAlertNotifier",
    "ScriptedSender",
]
