"""The behaviour every MessageRepository promises. Subclass `MessageRepositoryContract` once per
implementation and provide the fixtures `repository` (an empty, reachable store),
`unreachable_repository` and `replay_chunk_rows`. Its tests live in one module per concern;
this class gathers them and adds the store's reachability."""

from __future__ import annotations

import pytest

from adapters.memory import ManualClock
from contract.attempts_contract import AttemptsLogContract
from contract.claims_contract import ClaimsContract
from contract.creation_contract import CreationContract
from contract.listing_contract import ListingContract
from contract.replay_contract import ReplayContract
from contract.repository_support import (
    ACCEPTED,
    EVERY_OPERATION,
    LEASE,
    MAX_ATTEMPTS,
    PHONE,
    POLICY,
    REJECTED,
    START,
    TIMED_OUT,
    UNAVAILABLE,
    ids,
    new_message,
    outcome_of,
    unclaimed_result,
)
from insider_core import MessageRepository, StoreUnavailable

__all__ = [
    "ACCEPTED",
    "EVERY_OPERATION",
    "LEASE",
    "MAX_ATTEMPTS",
    "PHONE",
    "POLICY",
    "REJECTED",
    "START",
    "TIMED_OUT",
    "UNAVAILABLE",
    "MessageRepositoryContract",
    "ids",
    "new_message",
    "outcome_of",
    "unclaimed_result",
]


class MessageRepositoryContract(
    CreationContract, ListingContract, ClaimsContract, ReplayContract, AttemptsLogContract
):
    async def test_a_reachable_store_answers_ping(self, repository: MessageRepository) -> None:
        assert await repository.ping() is True

    async def test_an_unreachable_store_answers_ping_with_false(
        self, unreachable_repository: MessageRepository
    ) -> None:
        assert await unreachable_repository.ping() is False

    @pytest.mark.parametrize("operation", sorted(EVERY_OPERATION))
    async def test_an_unreachable_store_refuses_every_operation_with_store_unavailable(
        self, unreachable_repository: MessageRepository, clock: ManualClock, operation: str
    ) -> None:
        with pytest.raises(StoreUnavailable):
            await EVERY_OPERATION[operation](unreachable_repository, clock.now())
