"""What the SQL repositories share: row mapping, the transitions applied in SQL, the
migration scripts' loader, and concurrent reads of one page sharing one read."""
