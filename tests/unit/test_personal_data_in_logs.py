"""No phone number or message content in a log line at INFO or above."""

from __future__ import annotations

import logging

import pytest
from harness import Harness

from adapters.memory import ScriptedSender
from insider_core import Message, MessageStatus, SendOutcome

PHONE = "+905557770011"
CONTENT = "the secret words only this message holds"


def echo_the_message(message: Message) -> SendOutcome:
    """A receiver that refuses the message and repeats it in its answer."""
    return SendOutcome.http(400, body=f"cannot deliver {CONTENT!r} to {PHONE}")


async def test_a_receivers_answer_repeating_the_message_stays_out_of_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    harness = Harness(ScriptedSender(echo_the_message))
    created, _ = await harness.service.create(CONTENT, PHONE)

    with caplog.at_level(logging.INFO):
        await harness.dispatcher.dispatch_batch(1)

    stored = await harness.service.get(created.id)
    assert stored.status is MessageStatus.FAILED
    assert PHONE in (stored.last_error or "")  # the message's own record keeps the answer
    logged = [record for record in caplog.records if record.levelno >= logging.INFO]
    assert logged
    for record in logged:
        line = record.getMessage() + " " + repr(vars(record))
        assert PHONE not in line
        assert CONTENT not in line
        assert "cannot deliver" not in line
