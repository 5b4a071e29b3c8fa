"""The SQL the PostgreSQL repository runs. Values are always bound as parameters; a batch
travels as one array per column, read back as rows by `unnest`, so a statement's text (and
its prepared plan) is the same whatever the batch's size."""

from __future__ import annotations

from adapters.postgres.rows import ATTEMPT_COLUMNS, MESSAGE_COLUMNS
from adapters.sql import transitions

INSERT_ROWS_PER_STATEMENT = 5000
PRUNE_ROWS_PER_STATEMENT = 10_000
REPLAY_CHUNK_ROWS = 500

NEW_MESSAGE_COLUMNS = (
    "content, phone_number, status, next_attempt_at, idempotency_key, created_at, updated_at"
)
INSERT_MESSAGE = (
    f"INSERT INTO messages ({NEW_MESSAGE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) "
    "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
)
INSERT_MESSAGES = (
    f"INSERT INTO messages ({NEW_MESSAGE_COLUMNS}) "
    "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], "
    "$6::timestamptz[], $7::timestamptz[]) "
    "ON CONFLICT (idempotency_key) DO NOTHING"
)
SELECT_BY_ID = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1"
SELECT_BY_KEY = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE idempotency_key = $1"

# The partial due index holds pending and sending rows only: sent and failed rows have no
# due_at, so however many there are, the claim never reads them. Read in index order, the scan
# stops at the limit; rows another claimer holds are skipped, not waited for.
LOCK_DUE = (
    f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE {transitions.claimable('$1')} "
    "ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED"
)
# What the claim made of each row it locked, written as the entity made it (no translation of
# the rule into SQL): one array per column, one element per message.
SAVE_CLAIMED = (
    "UPDATE messages AS m SET status = r.status, attempts = r.attempts, "
    "last_error = r.last_error, lease_until = r.lease_until, claim_token = r.claim_token, "
    "updated_at = r.updated_at "
    "FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::timestamptz[], "
    "$6::text[], $7::timestamptz[]) "
    "AS r (id, status, attempts, last_error, lease_until, claim_token, updated_at) "
    "WHERE m.id = r.id"
)
# One UPDATE for a whole batch, each result fenced by the claim token it was made under. The
# rows are found by primary key: the status is checked with IS NOT DISTINCT FROM, which no
# index serves, because the planner would otherwise scan the status index for 'sending', whose
# entries for every message sent since the last vacuum stay there until it runs (at 1,000,000
# messages, 200 ms a batch and growing, against under 1 ms by key).
SAVE_OUTCOMES = (
    "UPDATE messages AS m SET status = r.status, attempts = r.attempts, "
    "message_id = r.message_id, sent_at = r.sent_at, next_attempt_at = r.next_attempt_at, "
    "last_error = r.last_error, lease_until = r.lease_until, claim_token = r.claim_token, "
    "updated_at = r.updated_at "
    "FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::timestamptz[], "
    "$6::timestamptz[], $7::text[], $8::timestamptz[], $9::text[], $10::timestamptz[], "
    "$11::text[]) AS r (id, status, attempts, message_id, sent_at, next_attempt_at, "
    "last_error, lease_until, claim_token, updated_at, held_token) "
    "WHERE m.id = r.id AND m.claim_token = r.held_token "
    "AND m.status IS NOT DISTINCT FROM 'sending' "
    "RETURNING m.id, r.held_token"
)
INSERT_ATTEMPTS = (
    f"INSERT INTO delivery_attempts ({ATTEMPT_COLUMNS}) "
    "SELECT * FROM unnest($1::bigint[], $2::int[], $3::timestamptz[], $4::int[], "
    "$5::smallint[], $6::text[], $7::text[])"
)
SELECT_ATTEMPTS = (
    f"SELECT {ATTEMPT_COLUMNS} FROM delivery_attempts WHERE message_id = $1 ORDER BY id"
)
PRUNE_ATTEMPTS = (
    "DELETE FROM delivery_attempts WHERE id IN "
    "(SELECT id FROM delivery_attempts WHERE started_at < $1 LIMIT $2)"
)
# A range of the (started_at, http_status) index; minutes are UTC minutes whatever the
# session's time zone.
ATTEMPTS_PER_MINUTE = (
    "SELECT date_trunc('minute', started_at, 'UTC') AS minute, "
    "COUNT(*) FILTER (WHERE http_status = 202), "
    "COUNT(*) FILTER (WHERE http_status IS DISTINCT FROM 202) "
    "FROM delivery_attempts WHERE started_at >= $1 GROUP BY minute ORDER BY minute"
)

LOCK_SEND_SLOTS = "SELECT next_free FROM send_slots WHERE id = 1 FOR UPDATE"
KEEP_SEND_SLOTS = "UPDATE send_slots SET next_free = $1 WHERE id = 1"

REPLAY_ONE = (
    f"UPDATE messages SET {transitions.replay('$1')} "
    f"WHERE {transitions.REPLAYABLE} AND id = $2 RETURNING {MESSAGE_COLUMNS}"
)


def failed_ids(*, since: bool) -> str:
    """The next ids a replay of every failed message takes, by id (the status index), after a
    given id. Parameters: the id to go on after, how many, and the moment when `since` (failed
    since then: the message's last change)."""
    failed_since = " AND updated_at >= $3" if since else ""
    return (
        f"SELECT id FROM messages WHERE {transitions.REPLAYABLE}{failed_since} "
        "AND id > $1 ORDER BY id LIMIT $2"
    )


# Those of the ids ($2) still failed (the others changed since they were read).
REPLAY_IDS = (
    f"UPDATE messages SET {transitions.replay('$1')} "
    f"WHERE {transitions.REPLAYABLE} AND id = ANY($2::bigint[])"
)
COUNT_FAILED = f"SELECT COUNT(*) FROM messages WHERE {transitions.REPLAYABLE}"
COUNT_FAILED_SINCE = COUNT_FAILED + " AND updated_at >= $1"

STATS = "SELECT status, SUM(messages)::bigint FROM message_counts GROUP BY status"
TOTAL = "SELECT COALESCE(SUM(messages), 0)::bigint FROM message_counts"
TOTAL_OF_STATUS = TOTAL + " WHERE status = $1"


def page_query(*, filtered: bool, newest_sent_first: bool, by_phone: bool) -> tuple[str, str]:
    """The count and the page select of a listing. Parameters: the status when `filtered`,
    then the phone number when `by_phone`; the page select then takes the page size and the
    offset. The total is read from the counts, except for a phone number's messages."""
    conditions = [
        condition
        for condition, wanted in (("status = {}", filtered), ("phone_number = {}", by_phone))
        if wanted
    ]
    where = " AND ".join(
        condition.format(f"${n}") for n, condition in enumerate(conditions, start=1)
    )
    where = f" WHERE {where}" if where else ""
    if by_phone:
        count = f"SELECT COUNT(*) FROM messages{where}"
    else:
        count = TOTAL_OF_STATUS if filtered else TOTAL
    order = "sent_order_at DESC, id DESC" if newest_sent_first else "id DESC"
    size, offset = len(conditions) + 1, len(conditions) + 2
    # The page's ids first, from the index alone (each listing has an index that holds its
    # filter, its order and the id), then only those rows: the rows skipped by the offset are
    # never read from the table.
    page = (
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id IN (SELECT id FROM messages{where} "
        f"ORDER BY {order} LIMIT ${size} OFFSET ${offset}) ORDER BY {order}"
    )
    return count, page
