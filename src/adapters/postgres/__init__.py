"""A production message store: PostgreSQL through an asyncpg pool.

Plain SQL, with what PostgreSQL does well: claims with FOR UPDATE SKIP LOCKED over a partial
index of the due rows; a batch's outcomes in one UPDATE joined to its arrays (`unnest`);
times as timestamptz; migrations in transactions, under an advisory lock. One mechanism beyond
plain SQL: the counts per status are kept by statement-level triggers (migration 0004), because
counting a million rows on every /stats read takes longer than its budget."""

from adapters.postgres.repository import PostgresMessageRepository

__all__ = ["PostgresMessageRepository"]
