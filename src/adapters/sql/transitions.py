"""The message's transitions that a SQL store applies to many rows in one statement, written
once for both SQL repositories: `Message.is_claimable`, `Message.claim` and `Message.replay`
in SQL. The entity stays the rule; this is its translation, and the delivery state machine run
over both stores (tests/contract/test_delivery_machine_sql.py) holds each to the entity's own.
`p` is the database's parameter marker."""

from __future__ import annotations


def claimable(p: str) -> str:
    """Due, and pending or holding an expired lease. A sending row whose lease ends exactly
    now is not yet claimable."""
    return f"due_at <= {p} AND (status = 'pending' OR lease_until < {p})"


def claim(p: str) -> str:
    """Recovering an expired lease re-runs the lost attempt, so only a pending row counts one
    more. `attempts` comes first: MySQL runs assignments left to right and SQLite reads the row
    as it was, so either way it reads the status before it changes."""
    return (
        "attempts = attempts + (status = 'pending'), status = 'sending', "
        f"lease_until = {p}, claim_token = {p}, updated_at = {p}"
    )


REPLAYABLE = "status = 'failed'"


def replay(p: str) -> str:
    """Pending again with a fresh count of attempts, its receipt and error cleared. (The column
    message_id holds the receiver's receipt: the seed's name for it.)"""
    return (
        "status = 'pending', attempts = 0, message_id = NULL, sent_at = NULL, "
        f"last_error = NULL, next_attempt_at = {p}, updated_at = {p}"
    )
