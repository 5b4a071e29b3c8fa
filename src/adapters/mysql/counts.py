"""The per-status message counts (table `message_counts`): every statement that adds messages
or changes their status is followed, in its transaction, by one statement that changes the
counts by as much. Reading a total then costs a few rows however many messages there are."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import aiomysql

from insider_core.status import MessageStatus

SLOTS = 16
# One row per status and slot, created by the first change. Every transaction changes the
# counts once, last, in its connection's slot and in status order, so two transactions never
# wait for each other's counts in opposite orders.
CHANGE = (
    "INSERT INTO message_counts (status, slot, messages) VALUES {rows} "
    "ON DUPLICATE KEY UPDATE messages = messages + VALUES(messages)"
)
CHANGE_ROW = f"(%s, MOD(CONNECTION_ID(), {SLOTS}), %s)"
TOTAL = "SELECT CAST(COALESCE(SUM(messages), 0) AS SIGNED) FROM message_counts"
TOTAL_OF_STATUS = TOTAL + " WHERE status = %s"
BY_STATUS = "SELECT status, CAST(SUM(messages) AS SIGNED) FROM message_counts GROUP BY status"
# Counted afresh from the messages, with writers held off meanwhile: for a database whose rows
# were changed outside this adapter.
RECOUNT = (
    "LOCK TABLES messages WRITE, message_counts WRITE",
    "DELETE FROM message_counts",
    "INSERT INTO message_counts (status, slot, messages) "
    "SELECT status, 0, COUNT(*) FROM messages GROUP BY status",
    "UNLOCK TABLES",
)


def moved(
    statuses_before: Iterable[MessageStatus], statuses_after: Iterable[MessageStatus]
) -> Counter[MessageStatus]:
    """The change in counts when messages leave the first statuses for the second."""
    change: Counter[MessageStatus] = Counter(statuses_after)
    change.subtract(statuses_before)
    return change


async def change_counts(cursor: aiomysql.Cursor, change: Mapping[MessageStatus, int]) -> None:
    rows = [(status.value, change[status]) for status in MessageStatus if change.get(status)]
    if rows:
        await cursor.execute(
            CHANGE.format(rows=", ".join([CHANGE_ROW] * len(rows))),
            [value for row in rows for value in row],
        )
