"""The production message store: MySQL or MariaDB through an aiomysql pool.

Claims lock the oldest due rows with SELECT ... FOR UPDATE SKIP LOCKED over the due index, so
processes sharing the database never take the same message; a result is written only under
the claim token it was made with. The counts per status are kept by triggers (migration
0003), so rows other systems write are counted too. Requests for the same page (or for the
statistics) at the same moment share one read (adapters/sql/shared_reads.py). A claim, a
record, a replay or a booking of send slots the server undoes to break a deadlock is run
again."""

from adapters.mysql.repository import MySqlMessageRepository

__all__ = ["MySqlMessageRepository"]
