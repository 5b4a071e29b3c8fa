-- The cluster-wide rate limit: the start of the next free send slot, booked by every process
-- sharing the database under WEBHOOK_RATE_LIMIT (NULL until the first booking). (IF NOT EXISTS
-- and IGNORE: a database migrated before the migrations were folded has the table already.)
CREATE TABLE IF NOT EXISTS send_slots (
    id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
    next_free DATETIME(6) NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

INSERT IGNORE INTO send_slots (id, next_free) VALUES (1, NULL);
