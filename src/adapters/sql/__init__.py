"""What the SQL repositories share: row mapping and the migration scripts' loader."""
