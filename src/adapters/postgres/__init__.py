"""A production message store: PostgreSQL through an asyncpg pool.

Plain SQL, with what PostgreSQL does well: claims with FOR UPDATE SKIP LOCKED over a partial
index of the due rows; a batch's outcomes in one UPDATE joined to its arrays (`unnest`);
times as timestamptz; migrations in transactions, under an advisory lock; a page's ids read from
an index before its rows, so a deep page never reads the rows it skips; no reset query when a
session goes back to the pool. Two mechanisms beyond plain SQL: the counts per status are kept
by statement-level triggers (migration 0004), because counting every message on each /stats
read takes several times its budget at 1,000,000 messages; and requests for the same page (or
for the statistics) at the same moment share one read (adapters/sql/shared_reads.py), as on
MySQL. The figures are in docs/PERFORMANCE.md, "PostgreSQL"."""

from adapters.postgres.repository import PostgresMessageRepository

__all__ = ["PostgresMessageRepository"]
