"""The per-status message counts (table `message_counts`), kept by the database itself: the
triggers of migration 0010 change them in the transaction of every INSERT, UPDATE and DELETE
of a message, whoever runs it (this adapter, or another system writing into the table).
Reading a total then costs a few rows however many messages there are. Each status has 16
rows (`slot`, chosen by connection); a total is the sum of its slots."""

from __future__ import annotations

SLOTS = 16
STATUSES = ("pending", "sending", "sent", "failed")
# Every row the triggers may change, made beforehand in an empty table (see 0010_outbox.sql): a
# change then only ever locks an existing row, never the gap where a new one would go.
EVERY_SLOT = (
    "INSERT INTO message_counts (status, slot, messages) "
    "SELECT statuses.status, slots.slot, 0 FROM ("
    + " UNION ALL ".join(f"SELECT '{status}' AS status" for status in STATUSES)
    + ") AS statuses CROSS JOIN ("
    + " UNION ALL ".join(f"SELECT {slot} AS slot" for slot in range(SLOTS))
    + ") AS slots"
)
TOTAL = "SELECT CAST(COALESCE(SUM(messages), 0) AS SIGNED) FROM message_counts"
TOTAL_OF_STATUS = TOTAL + " WHERE status = %s"
BY_STATUS = "SELECT status, CAST(SUM(messages) AS SIGNED) FROM message_counts GROUP BY status"
# Counted afresh from the messages, with writers held off meanwhile: for what the triggers do
# not see (TRUNCATE TABLE messages; a process of a version older than 0010, which still wrote
# the counts itself, running against a migrated database).
RECOUNT = (
    "LOCK TABLES messages WRITE, message_counts WRITE",
    "DELETE FROM message_counts",
    EVERY_SLOT,
    "INSERT INTO message_counts (status, slot, messages) "
    "SELECT status, 0, COUNT(*) FROM messages GROUP BY status "
    "ON DUPLICATE KEY UPDATE messages = VALUES(messages)",
    "UNLOCK TABLES",
)
