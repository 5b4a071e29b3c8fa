"""The message's transitions that a SQL store applies to many rows in one statement, written
once for both SQL repositories: `Message.is_claimable`, `claiming.claim_each` and
`Message.replay` in SQL. The entity stays the rule; this is its translation, and the delivery
state machine run over both stores (tests/contract/test_delivery_machine_sql.py) holds each to
the entity's own. `p` is the database's parameter marker."""

from __future__ import annotations


def claimable(p: str) -> str:
    """Due, and pending or holding an expired lease. A sending row whose lease ends exactly
    now is not yet claimable."""
    return f"due_at <= {p} AND (status = 'pending' OR lease_until < {p})"


def claim(p: str) -> str:
    """`claiming.claim_each` for the rows it takes: every claim counts one more attempt, and
    a row recovered from an expired lease (still 'sending') notes why its last attempt ended
    (the first parameter, message.LEASE_EXPIRED). `last_error` and `attempts` come first:
    MySQL runs assignments left to right and SQLite reads the row as it was, so either way
    they read the status before it changes."""
    return (
        f"last_error = CASE WHEN status = 'sending' THEN {p} ELSE last_error END, "
        "attempts = attempts + 1, status = 'sending', "
        f"lease_until = {p}, claim_token = {p}, updated_at = {p}"
    )


def dead_letter_expired(p: str) -> str:
    """`Message.recover` of an expired lease with no attempt left: failed, with why (the
    first parameter, message.LEASE_EXPIRED)."""
    return (
        f"status = 'failed', last_error = {p}, lease_until = NULL, claim_token = NULL, "
        f"updated_at = {p}"
    )


REPLAYABLE = "status = 'failed'"


def replay(p: str) -> str:
    """Pending again with a fresh count of attempts, its receipt and error cleared. (The column
    message_id holds the receiver's receipt: the Go service's name for it.)"""
    return (
        "status = 'pending', attempts = 0, message_id = NULL, sent_at = NULL, "
        f"last_error = NULL, next_attempt_at = {p}, updated_at = {p}"
    )
