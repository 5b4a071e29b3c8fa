"""The SQL the SQLite repository runs. Values are always bound as parameters."""

from __future__ import annotations

from adapters.sql import transitions
from adapters.sqlite.rows import ATTEMPT_COLUMNS, MESSAGE_COLUMNS

INSERT_MESSAGE = (
    "INSERT INTO messages (content, phone_number, status, next_attempt_at, idempotency_key, "
    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (idempotency_key) DO NOTHING"
)
SELECT_BY_ID = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?"
SELECT_BY_KEY = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE idempotency_key = ?"
COUNT_BY_STATUS = "SELECT status, COUNT(*) FROM messages GROUP BY status"

# due_at <= now reads the due index only (INDEXED BY makes that a guarantee: the statement
# fails rather than scan the table); a sending row whose lease ends exactly now is
# not yet claimable (Message.is_claimable), hence the second condition.
CLAIM_DUE = (
    f"SELECT {MESSAGE_COLUMNS} FROM messages INDEXED BY ix_messages_due "
    f"WHERE {transitions.claimable('?')} ORDER BY due_at, id LIMIT ?"
)
CLAIM_UPDATE = f"UPDATE messages SET {transitions.claim('?')} WHERE id IN ({{ids}})"
DEAD_LETTER_EXPIRED = (
    f"UPDATE messages SET {transitions.dead_letter_expired('?')} WHERE id IN ({{ids}})"
)
SELECT_CLAIMS = "SELECT id, claim_token FROM messages WHERE status = 'sending' AND id IN ({ids})"
SELECT_SEND_SLOTS = "SELECT next_free FROM send_slots WHERE id = 1"
KEEP_SEND_SLOTS = "UPDATE send_slots SET next_free = ? WHERE id = 1"
RECORD_RESULT = (
    "UPDATE messages SET status = ?, attempts = ?, message_id = ?, sent_at = ?, "
    "next_attempt_at = ?, last_error = ?, lease_until = ?, claim_token = ?, updated_at = ? "
    "WHERE id = ? AND claim_token = ? AND status = 'sending'"
)
INSERT_ATTEMPT = f"INSERT INTO delivery_attempts ({ATTEMPT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
SELECT_ATTEMPTS = (
    f"SELECT {ATTEMPT_COLUMNS} FROM delivery_attempts WHERE message_id = ? ORDER BY id"
)
PRUNE_ATTEMPTS = "DELETE FROM delivery_attempts WHERE started_at < ?"
# A range of the started_at index; times are fixed-width text, so the first 16 characters
# name the minute ("2026-01-01 12:34").
ATTEMPTS_PER_MINUTE = (
    "SELECT substr(started_at, 1, 16) AS minute, "
    "SUM(http_status IS 202), SUM(http_status IS NOT 202) "
    "FROM delivery_attempts WHERE started_at >= ? GROUP BY minute ORDER BY minute"
)

REPLAY_SET = f"UPDATE messages SET {transitions.replay('?')} WHERE {transitions.REPLAYABLE}"
REPLAY_ONE = REPLAY_SET + " AND id = ?"
COUNT_FAILED = f"SELECT COUNT(*) FROM messages WHERE {transitions.REPLAYABLE}"
COUNT_FAILED_SINCE = COUNT_FAILED + " AND updated_at >= ?"


def placeholders(count: int) -> str:
    return ", ".join("?" * count)


def failed_ids(*, since: bool) -> str:
    """The next ids a replay of every failed message takes, by id (the status index), after a
    given id. Parameters: the moment when `since` (failed since then: the message's last
    change), the id to go on after, how many."""
    failed_since = " AND updated_at >= ?" if since else ""
    return (
        f"SELECT id FROM messages WHERE {transitions.REPLAYABLE}{failed_since} "
        "AND id > ? ORDER BY id LIMIT ?"
    )


def replay_ids(count: int) -> str:
    """Replay those of `count` messages that are still failed. Parameters: the moment twice,
    then the ids."""
    return f"{REPLAY_SET} AND id IN ({placeholders(count)})"


def page_query(
    *, filtered: bool, newest_sent_first: bool, by_phone: bool = False
) -> tuple[str, str]:
    """The count and the page select for a listing. Parameters: the status when `filtered`,
    then the phone number when `by_phone`."""
    conditions = [
        condition
        for condition, wanted in (("status = ?", filtered), ("phone_number = ?", by_phone))
        if wanted
    ]
    where = " WHERE " + " AND ".join(conditions) if conditions else ""
    order = "sent_order_at DESC, id DESC" if newest_sent_first else "id DESC"
    return (
        f"SELECT COUNT(*) FROM messages{where}",
        f"SELECT {MESSAGE_COLUMNS} FROM messages{where} ORDER BY {order} LIMIT ? OFFSET ?",
    )
