"""The SQL the MySQL repository runs. Values are always bound as parameters."""

from __future__ import annotations

from adapters.mysql.rows import ATTEMPT_COLUMNS, MESSAGE_COLUMNS

INSERT_ROWS_PER_STATEMENT = 1000
PRUNE_ROWS_PER_STATEMENT = 10_000

NEW_MESSAGE_COLUMNS = (
    "content, phone_number, status, next_attempt_at, idempotency_key, created_at, updated_at"
)
INSERT_MESSAGE = f"INSERT INTO messages ({NEW_MESSAGE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)"
DUPLICATE_KEY = 1062
SELECT_BY_ID = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = %s"
SELECT_BY_KEY = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE idempotency_key = %s"
COUNT_BY_STATUS = "SELECT status, COUNT(*) FROM messages GROUP BY status"

# A range scan of the due index: sent and failed rows have no due_at, so however many there
# are, they are never read. A sending row whose lease ends exactly now is not yet claimable
# (Message.is_claimable), hence the second condition, checked on the due rows only.
# The index is forced: when most rows are due the optimizer prefers a table scan and a
# filesort, which locks every due row it sorts, so one claimer would hold them all and the
# others would skip them and find nothing. Read in index order, the scan stops at the limit.
CLAIM_DUE = (
    f"SELECT {MESSAGE_COLUMNS} FROM messages FORCE INDEX (ix_messages_due) "
    "WHERE due_at <= %s AND (status = 'pending' OR lease_until < %s) "
    "ORDER BY due_at, id LIMIT %s FOR UPDATE SKIP LOCKED"
)
# Recovering an expired lease re-runs the lost attempt, so only pending rows count one more.
# Assignments run left to right, so `attempts` reads the status before it changes.
CLAIM_UPDATE = (
    "UPDATE messages SET attempts = attempts + (status = 'pending'), status = 'sending', "
    "lease_until = %s, claim_token = %s, updated_at = %s WHERE id IN ({ids})"
)
LOCK_CLAIMS = (
    "SELECT id, claim_token FROM messages WHERE status = 'sending' AND id IN ({ids}) FOR UPDATE"
)
RECORDED_COLUMNS = (
    "id",
    "status",
    "attempts",
    "message_id",
    "sent_at",
    "next_attempt_at",
    "last_error",
    "lease_until",
    "claim_token",
    "updated_at",
)
INSERT_ATTEMPTS = f"INSERT INTO delivery_attempts ({ATTEMPT_COLUMNS}) VALUES {{rows}}"
SELECT_ATTEMPTS = (
    f"SELECT {ATTEMPT_COLUMNS} FROM delivery_attempts WHERE message_id = %s ORDER BY id"
)
PRUNE_ATTEMPTS = "DELETE FROM delivery_attempts WHERE started_at < %s ORDER BY started_at LIMIT %s"

REPLAY_SET = (
    "UPDATE messages SET status = 'pending', attempts = 0, message_id = NULL, sent_at = NULL, "
    "last_error = NULL, next_attempt_at = %s, updated_at = %s WHERE status = 'failed'"
)
REPLAY_ONE = REPLAY_SET + " AND id = %s"


def placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def value_rows(rows: int, columns: int) -> str:
    return ", ".join([f"({placeholders(columns)})"] * rows)


def insert_messages(rows: int) -> str:
    """A multi-row insert in which a known idempotency key changes nothing and, without the
    FOUND_ROWS client flag, counts no affected row."""
    return (
        f"INSERT INTO messages ({NEW_MESSAGE_COLUMNS}) VALUES {value_rows(rows, 7)} "
        "ON DUPLICATE KEY UPDATE id = id"
    )


def record_outcomes(rows: int) -> str:
    """One UPDATE for a whole batch: the new states as a derived table joined on id, still
    fenced by the claim token each result was made under (`held_token`)."""
    columns = (*RECORDED_COLUMNS, "held_token")
    first = "SELECT " + ", ".join(f"%s AS {column}" for column in columns)
    rest = f" UNION ALL SELECT {placeholders(len(columns))}" * (rows - 1)
    assignments = ", ".join(f"m.{column} = r.{column}" for column in RECORDED_COLUMNS[1:])
    return (
        f"UPDATE messages AS m JOIN ({first}{rest}) AS r "
        "ON m.id = r.id AND m.claim_token = r.held_token AND m.status = 'sending' "
        f"SET {assignments}"
    )


def page_query(*, filtered: bool, newest_sent_first: bool) -> tuple[str, str]:
    """The count and the page select for a listing."""
    where = " WHERE status = %s" if filtered else ""
    order = "sent_order_at DESC, id DESC" if newest_sent_first else "id DESC"
    return (
        f"SELECT COUNT(*) FROM messages{where}",
        f"SELECT {MESSAGE_COLUMNS} FROM messages{where} ORDER BY {order} LIMIT %s OFFSET %s",
    )
