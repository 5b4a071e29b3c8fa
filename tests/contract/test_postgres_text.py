"""What PostgreSQL's text cannot hold (the NUL character) never costs a batch its record: the
core makes a receiver's answer storable before any store sees it (SendOutcome.recordable and
the texts of Message.apply_outcome), and PostgreSQL keeps what the core made of it."""

from __future__ import annotations

import pytest

from adapters.postgres import PostgresMessageRepository
from contract.repository_contract import (
    ACCEPTED,
    LEASE,
    MAX_ATTEMPTS,
    START,
    new_message,
    outcome_of,
)
from insider_core import SendOutcome

pytestmark = pytest.mark.postgres


async def test_an_answer_holding_nul_characters_is_recorded_as_the_core_made_it_and_its_batch_too(
    postgres_repository: PostgresMessageRepository,
) -> None:
    await postgres_repository.add_many([new_message(START) for _ in range(3)])
    first, second, third = await postgres_repository.claim_due(
        3, START, START + LEASE, "token", max_attempts=MAX_ATTEMPTS
    )
    refused = SendOutcome.http(503, body="down\x00for maintenance", duration_seconds=0.1)
    odd_receipt = SendOutcome.http(202, receipt_id="wh\x00-2", duration_seconds=0.1)
    results = [
        outcome_of(first, refused.recordable(), START),
        outcome_of(second, odd_receipt.recordable(), START),
        outcome_of(third, ACCEPTED, START),
    ]

    assert await postgres_repository.save_results(results) == 3

    stored = [await postgres_repository.get(m.id) for m in (first, second, third)]
    assert [m.status.value for m in stored if m] == ["pending", "sent", "sent"]
    assert stored[0] is not None
    assert stored[0].last_error == results[0].message.last_error
    assert "down\ufffdfor maintenance" in (stored[0].last_error or "")
    assert stored[1] is not None
    assert stored[1].receipt_id is None  # a messageId no store can keep is not kept
    [attempt] = await postgres_repository.list_attempts(first.id)
    assert attempt.detail is not None
    assert "\x00" not in attempt.detail
    assert "down\ufffdfor maintenance" in attempt.detail
