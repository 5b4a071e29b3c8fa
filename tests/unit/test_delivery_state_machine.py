from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hypothesis import HealthCheck, settings

from adapters.memory import InMemoryMessageRepository
from insider_core import MessageRepository
from support.delivery_machine import delivery_machine


@asynccontextmanager
async def fresh_memory_repository() -> AsyncIterator[MessageRepository]:
    yield InMemoryMessageRepository()


DeliveryOverMemory = delivery_machine(fresh_memory_repository)
DeliveryOverMemory.TestCase.settings = settings(
    max_examples=300,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestDeliveryLifecycleOverMemory = DeliveryOverMemory.TestCase
