from __future__ import annotations

import pytest

from adapters.memory import InMemoryMessageRepository
from contract.operator_reads_contract import OperatorReadsContract
from contract.repository_contract import MessageRepositoryContract
from contract.send_slots_contract import SendSlotLedgerContract
from insider_core import MessageRepository


class TestInMemoryMessageRepository(
    MessageRepositoryContract,
    OperatorReadsContract,
    SendSlotLedgerContract,
):
    @pytest.fixture
    async def repository(self) -> MessageRepository:
        return InMemoryMessageRepository()

    @pytest.fixture
    async def unreachable_repository(self) -> MessageRepository:
        repository = InMemoryMessageRepository()
        repository.available = False
        return repository

    @pytest.fixture
    def refuses_work_when_unreachable(self) -> bool:
        return False
