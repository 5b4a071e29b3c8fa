from __future__ import annotations

import inspect

import pytest

from adapters.memory import InMemoryMessageRepository
from adapters.memory.repository import REPLAY_CHUNK_ROWS
from contract.operator_reads_contract import OperatorReadsContract
from contract.repository_contract import EVERY_OPERATION, MessageRepositoryContract
from contract.send_slots_contract import SendSlotLedgerContract
from contract.shared_records_contract import SharedRecordsContract
from insider_core import MessageRepository


class TestInMemoryMessageRepository(
    MessageRepositoryContract,
    OperatorReadsContract,
    SendSlotLedgerContract,
    SharedRecordsContract,
):
    @pytest.fixture
    async def repository(self) -> MessageRepository:
        return InMemoryMessageRepository()

    @pytest.fixture
    def replay_chunk_rows(self) -> int:
        return REPLAY_CHUNK_ROWS

    @pytest.fixture
    async def unreachable_repository(self) -> MessageRepository:
        repository = InMemoryMessageRepository()
        repository.available = False
        return repository


def test_the_outage_test_tries_every_operation_of_the_port() -> None:
    operations = {
        name
        for name, _ in inspect.getmembers(MessageRepository, inspect.iscoroutinefunction)
        if name != "ping"
    }

    assert operations <= {name.split()[0] for name in EVERY_OPERATION}
