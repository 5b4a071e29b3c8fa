"""The SQL the MySQL repository runs. Values are always bound as parameters."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.mysql.counts import TOTAL, TOTAL_OF_STATUS
from adapters.mysql.rows import ATTEMPT_COLUMNS, MESSAGE_COLUMNS
from adapters.sql import transitions

INSERT_ROWS_PER_STATEMENT = 1000
PRUNE_ROWS_PER_STATEMENT = 10_000
TIME_COLUMNS = frozenset(
    {"sent_at", "next_attempt_at", "lease_until", "created_at", "updated_at", "started_at"}
)


def times_as_text(columns: str) -> str:
    """A select list reading every time column as text (see rows.from_db_text)."""
    return ", ".join(
        f"CAST({column} AS CHAR)" if column in TIME_COLUMNS else column
        for column in columns.split(", ")
    )


# A message as one column: the JSON array of MESSAGE_COLUMNS, times as text (see rows.py).
MESSAGE_READ = f"JSON_ARRAY({MESSAGE_COLUMNS})"
ATTEMPT_READ = times_as_text(ATTEMPT_COLUMNS)

NEW_MESSAGE_COLUMNS = (
    "content, phone_number, status, next_attempt_at, idempotency_key, created_at, updated_at"
)
INSERT_MESSAGE = f"INSERT INTO messages ({NEW_MESSAGE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)"
DUPLICATE_KEY = 1062
DEADLOCK = 1213
NO_SUCH_TABLE = 1146
MIGRATION_APPLIED = "SELECT 1 FROM schema_migrations WHERE name = %s"
SELECT_BY_ID = f"SELECT {MESSAGE_READ} FROM messages WHERE id = %s"
SELECT_BY_KEY = f"SELECT {MESSAGE_READ} FROM messages WHERE idempotency_key = %s"

# A range scan of the due index: sent and failed rows have no due_at, so however many there
# are, they are never read. A sending row whose lease ends exactly now is not yet claimable
# (Message.is_claimable), hence the second condition, checked on the due rows only.
# The index is forced: when most rows are due the optimizer prefers a table scan and a
# filesort, which locks every due row it sorts, so one claimer would hold them all and the
# others would skip them and find nothing. Read in index order, the scan stops at the limit.
CLAIM_DUE = (
    f"SELECT {MESSAGE_READ} FROM messages FORCE INDEX (ix_messages_due) "
    f"WHERE {transitions.claimable('%s')} ORDER BY due_at, id LIMIT %s FOR UPDATE SKIP LOCKED"
)
CLAIM_UPDATE = f"UPDATE messages SET {transitions.claim('%s')} WHERE id IN ({{ids}})"
DEAD_LETTER_EXPIRED = (
    f"UPDATE messages SET {transitions.dead_letter_expired('%s')} WHERE id IN ({{ids}})"
)
LOCK_CLAIMS = (
    "SELECT id, claim_token FROM messages WHERE status = 'sending' AND id IN ({ids}) FOR UPDATE"
)
SAVED_COLUMNS = (
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
SAVED_ASSIGNMENTS = ", ".join(f"m.{column} = r.{column}" for column in SAVED_COLUMNS[1:])
# What a sent result writes beyond the constants of the sent state (see rows.is_sent).
SENT_COLUMNS = ("id", "message_id", "sent_at", "last_error", "updated_at")
SENT_ASSIGNMENTS = "m.status = 'sent', m.lease_until = NULL, m.claim_token = NULL, " + ", ".join(
    f"m.{column} = r.{column}" for column in SENT_COLUMNS[1:]
)
INSERT_ATTEMPTS = f"INSERT INTO delivery_attempts ({ATTEMPT_COLUMNS}) VALUES {{rows}}"
SELECT_ATTEMPTS = f"SELECT {ATTEMPT_READ} FROM delivery_attempts WHERE message_id = %s ORDER BY id"
PRUNE_ATTEMPTS = "DELETE FROM delivery_attempts WHERE started_at < %s ORDER BY started_at LIMIT %s"
# A range of the (started_at, http_status) index, read from the index alone. A DATETIME is
# zone-free, and as a number YYYYMMDDhhmmss.ffffff: DIV 100 names its minute, YYYYMMDDhhmm,
# several times cheaper to group by than a formatted text.
ATTEMPTS_PER_MINUTE = (
    "SELECT started_at DIV 100 AS minute, "
    "CAST(SUM(http_status <=> 202) AS SIGNED), CAST(SUM(NOT http_status <=> 202) AS SIGNED) "
    "FROM delivery_attempts WHERE started_at >= %s GROUP BY minute ORDER BY minute"
)

LOCK_SEND_SLOTS = "SELECT CAST(next_free AS CHAR) FROM send_slots WHERE id = 1 FOR UPDATE"
KEEP_SEND_SLOTS = "UPDATE send_slots SET next_free = %s WHERE id = 1"

REPLAY_SET = f"UPDATE messages SET {transitions.replay('%s')} WHERE {transitions.REPLAYABLE}"
REPLAY_ONE = REPLAY_SET + " AND id = %s"
COUNT_FAILED = f"SELECT COUNT(*) FROM messages WHERE {transitions.REPLAYABLE}"
COUNT_FAILED_SINCE = COUNT_FAILED + " AND updated_at >= %s"


def placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def failed_ids(*, since: bool) -> str:
    """The next ids a replay of every failed message takes, by id (the status index), after a
    given id. Parameters: the moment when `since` (failed since then: the message's last
    change), the id to go on after, how many."""
    failed_since = " AND updated_at >= %s" if since else ""
    return (
        f"SELECT id FROM messages WHERE {transitions.REPLAYABLE}{failed_since} "
        "AND id > %s ORDER BY id LIMIT %s"
    )


def replay_ids(count: int) -> str:
    """Replay those of `count` messages that are still failed (the others changed since they
    were read). Parameters: the moment twice, then the ids."""
    return f"{REPLAY_SET} AND id IN ({placeholders(count)})"


def value_rows(rows: int, columns: int) -> str:
    return ", ".join([f"({placeholders(columns)})"] * rows)


def insert_new_messages(rows: int) -> str:
    """A multi-row insert that fails whole, inserting nothing, if any key is already known."""
    return f"INSERT INTO messages ({NEW_MESSAGE_COLUMNS}) VALUES {value_rows(rows, 7)}"


def ids_by_key(keys: int) -> str:
    keys_in = placeholders(keys)
    return f"SELECT id, idempotency_key FROM messages WHERE idempotency_key IN ({keys_in})"


def insert_messages(rows: int) -> str:
    """A multi-row insert in which a known idempotency key changes nothing and, without the
    FOUND_ROWS client flag, counts no affected row."""
    return (
        f"INSERT INTO messages ({NEW_MESSAGE_COLUMNS}) VALUES {value_rows(rows, 7)} "
        "ON DUPLICATE KEY UPDATE id = id"
    )


def values_table(columns: Sequence[str], rows: int) -> str:
    """`rows` rows of parameters as a table with named columns: the first SELECT names them,
    a table value constructor holds the rest (far cheaper for the server to parse than one
    SELECT per row)."""
    first = "SELECT " + ", ".join(f"%s AS {column}" for column in columns)
    if rows == 1:
        return first
    return f"{first} UNION ALL VALUES {value_rows(rows - 1, len(columns))}"


def save_outcomes(rows: int) -> str:
    """One UPDATE for a whole batch: the new states as a derived table joined on id, still
    fenced by the claim token each result was made under (`held_token`). STRAIGHT_JOIN reads
    the derived table first, so the UPDATE reaches (and locks) the batch's own rows by primary
    key; left to itself the optimizer may scan every sending row through the status index,
    other workers' batches included."""
    columns = (*SAVED_COLUMNS, "held_token")
    return (
        f"UPDATE ({values_table(columns, rows)}) AS r STRAIGHT_JOIN messages AS m "
        "ON m.id = r.id AND m.claim_token = r.held_token AND m.status = 'sending' "
        f"SET {SAVED_ASSIGNMENTS}"
    )


def save_under_token(rows: int, *, all_sent: bool) -> str:
    """One UPDATE for a batch made under one claim token (the last parameter), which fences
    every row; a batch of sent results writes SENT_COLUMNS only."""
    if all_sent:
        columns: Sequence[str] = SENT_COLUMNS
        assignments = SENT_ASSIGNMENTS
    else:
        columns, assignments = SAVED_COLUMNS, SAVED_ASSIGNMENTS
    return (
        f"UPDATE ({values_table(columns, rows)}) AS r STRAIGHT_JOIN messages AS m "
        f"ON m.id = r.id SET {assignments} WHERE m.claim_token = %s AND m.status = 'sending'"
    )


def page_query(*, filtered: bool, newest_sent_first: bool, by_phone: bool = False) -> str:
    """The page select for a listing (its total is read from the counts, see counts.py, or
    counted by `phone_count_query` when `by_phone`). Parameters: the status when `filtered`,
    the phone number when `by_phone`, then the page size and offset."""
    where, order = _listing(
        filtered=filtered, newest_sent_first=newest_sent_first, by_phone=by_phone
    )
    return f"SELECT {MESSAGE_READ} FROM messages{where} ORDER BY {order} LIMIT %s OFFSET %s"


def phone_count_query(*, filtered: bool) -> str:
    """How many messages to one phone number (of one status when `filtered`): the counts keep
    no total per phone number, so these rows are counted."""
    where, _ = _listing(filtered=filtered, newest_sent_first=False, by_phone=True)
    return f"SELECT COUNT(*) FROM messages{where}"


def revisions_query(*, filtered: bool, newest_sent_first: bool) -> str:
    """A listing's total and its page as revisions, as one JSON text (one value to read):
    `[total, length, [[id, revision], ...]]`, the page in page order. The length tells a
    whole page from one the server cut at `group_concat_max_len` (which also leaves the text
    malformed). Parameters: the status (twice, when filtered), then the page size and offset."""
    where, order = _listing(filtered=filtered, newest_sent_first=newest_sent_first)
    total = TOTAL_OF_STATUS if filtered else TOTAL
    return (
        f"SELECT CONCAT('[', ({total}), ',', COUNT(*), ',[', COALESCE("
        f"GROUP_CONCAT('[', id, ',', revision, ']' ORDER BY {order} SEPARATOR ','), ''), ']]') "
        f"FROM (SELECT id, revision, sent_order_at FROM messages{where} "
        f"ORDER BY {order} LIMIT %s OFFSET %s) AS page"
    )


def messages_with_revision(count: int) -> str:
    return f"SELECT {MESSAGE_READ}, id, revision FROM messages WHERE id IN ({placeholders(count)})"


def _listing(*, filtered: bool, newest_sent_first: bool, by_phone: bool = False) -> tuple[str, str]:
    conditions = [
        condition
        for condition, wanted in (("status = %s", filtered), ("phone_number = %s", by_phone))
        if wanted
    ]
    where = " WHERE " + " AND ".join(conditions) if conditions else ""
    order = "sent_order_at DESC, id DESC" if newest_sent_first else "id DESC"
    return where, order
