"""The production message store: MySQL or MariaDB through an aiomysql pool.

Beyond plain SQL the adapter keeps six mechanisms. Each stays because, measured against its
own removal on the benchmark it was made for, it gained 10 % or more (docs/PERFORMANCE.md,
"Simplification: each optimisation against its removal"); the others were removed (a FIFO
queue in front of the pool, ids inferred from the auto-increment lock mode, statements
overlapped with the Python work beside them).

- Group commit (grouping.WriteGroups): creations at the same moment share one multi-row
  INSERT, whose ids are read back by idempotency key (a lone creation takes `lastrowid`).
  API create / bare route: median 0.41 with it, 0.25 without.
- Listings by revision (listing.py): the trigger `messages_revised` (0010) raises a row's
  `revision` on every change, by hand included; a page is read as `[id, revision]` pairs and
  the messages already read at those revisions are reused. API list / bare route: 0.50-0.58
  with it, 0.07-0.10 without; 0.51-0.56 against 0.30-0.42 for shared plain reads.
- Shared reads (grouping.ReadGroups): requests for the same page at the same moment share one
  read, and none is served a read that began before it arrived. API list / bare route:
  0.50-0.58 with, 0.23-0.24 without.
- A message read as one column (rows.py, queries.MESSAGE_READ): the JSON array of its
  columns, decoded by msgspec, instead of fourteen columns PyMySQL parses in Python. A page
  of 100 read cold: 1.4-2.9 ms with it, 3.6-6.3 ms without.
- One fenced UPDATE per batch (claims.save_under_token): a batch made under one claim token
  is recorded by one UPDATE fenced by that token, and an all-sent batch writes only what is
  not a constant of the sent state (rows.is_sent); results that lost their claim fall back
  to the per-result path (claims.save_results). Record of 500: 83-107 ms with it,
  124-159 ms on the per-result path, 123-151 ms writing every column.

- Counts by statement (counts.py, migration 0011): the counts per status are kept in the
  database, so that rows other systems write are counted too (by triggers, row by row); the
  repository counts the changes of status it makes itself, once per statement, and the
  update trigger leaves its sessions out. Database time of a claim and record of 500:
  41-46 ms with it, 56-57 ms with the trigger counting every row; MariaDB's CPU while
  delivering 0.51-0.54 cores against 0.71-0.73.

A claim, a record, a replay or a booking of send slots the server undoes to break a deadlock
is run again (database.Database.run_transaction): not for speed, so a batch's results are not
lost to contention.
"""

from adapters.mysql.repository import MySqlMessageRepository

__all__ = ["MySqlMessageRepository"]
