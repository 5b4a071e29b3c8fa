"""What the SQL repositories share: row mapping, the transitions applied in SQL, and the
migration scripts' loader."""
