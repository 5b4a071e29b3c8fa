"""What a claim makes of the claimable messages it found: the rule every repository applies,
the SQL ones as set-based statements (adapters/sql/transitions.py) pinned to it by the
repository contract suite and the delivery state machine."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import msgspec

from insider_core.message import Message
from insider_core.status import MessageStatus


class Claim(msgspec.Struct, frozen=True, kw_only=True):
    taken: list[Message]
    """Sending under the new claim token, one more attempt counted each."""
    dead_lettered: list[Message]
    """Expired leases with no attempt left: failed, not handed out."""


def claim_each(
    claimable: Iterable[Message],
    now: datetime,
    lease_until: datetime,
    claim_token: str,
    max_attempts: int,
) -> Claim:
    """Due pending messages are claimed; an expired lease is recovered first (its attempt
    counts), then claimed while attempts remain."""
    taken: list[Message] = []
    dead_lettered: list[Message] = []
    for message in claimable:
        if message.status is MessageStatus.SENDING:
            message = message.recover(now, max_attempts)
            if message.status is MessageStatus.FAILED:
                dead_lettered.append(message)
                continue
        taken.append(message.claim(now, lease_until, claim_token))
    return Claim(taken=taken, dead_lettered=dead_lettered)
