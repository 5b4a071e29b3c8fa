"""The per-status message counts (table `message_counts`), changed in the transaction of every
INSERT, UPDATE and DELETE of a message, whoever runs it. Reading a total then costs a few rows
however many messages there are. Each status has 16 rows (`slot`, chosen by connection); a
total is the sum of its slots.

Two writers keep them, and never both for one change (migration 0011):
- the repository's own sessions count the changes of status they make, once per statement:
  they know what each statement changed (a claim takes n pending messages, a record moves n
  from sending), and one change of four rows costs the database far less than one per
  message. Every connection of the pool says so as it connects (COUNTED_BY_STATEMENT), and
  `Counts.change` runs in the transaction of the statement it counts;
- the triggers count, row by row, every insertion and deletion, and the changes of status of
  every other session: another system writing into the table, or a process of a version
  before 0011."""

from __future__ import annotations

from collections.abc import Mapping

import aiomysql

from insider_core.status import MessageStatus

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
# Set by every connection of the repository's pool: the triggers of 0011 then leave the counts
# of its changes to the repository.
COUNTED_BY_STATEMENT = "@insider_counts_by_statement = 1"
COUNTS_BY_STATEMENT_MIGRATION = "0011_counts_by_statement"
# A change of the connection's slot: its four rows, in the order the triggers take them, so
# that two transactions sharing a slot never wait for each other's counts in opposite orders.
CHANGE = (
    "INSERT INTO message_counts (status, slot, messages) VALUES "
    + ", ".join(f"('{status}', MOD(CONNECTION_ID(), {SLOTS}), %s)" for status in STATUSES)
    + " ON DUPLICATE KEY UPDATE messages = messages + VALUES(messages)"
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


class Counts:
    """The counts of what the repository's own statements change. `by_statement` is False
    against a database whose triggers still count every session (migrations not yet applied):
    the repository then leaves them to the triggers."""

    __slots__ = ("by_statement",)

    def __init__(self, *, by_statement: bool) -> None:
        self.by_statement = by_statement

    async def change(self, cursor: aiomysql.Cursor, changes: Mapping[MessageStatus, int]) -> None:
        """Add `changes` (status -> messages gained, negative for lost) to the connection's
        slot, in the transaction of the statements that made them."""
        if self.by_statement and any(changes.values()):
            await cursor.execute(
                CHANGE, [changes.get(MessageStatus(status), 0) for status in STATUSES]
            )

    async def moved(
        self, cursor: aiomysql.Cursor, source: MessageStatus, target: MessageStatus, count: int
    ) -> None:
        """`count` messages moved from status `source` to `target`."""
        if source != target:
            await self.change(cursor, {source: -count, target: count})
