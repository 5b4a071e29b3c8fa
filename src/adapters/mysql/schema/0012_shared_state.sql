-- Small named records every instance sharing the database reads and writes: the scheduler's
-- desired state, the live instances, the receiver's breaker, the dashboard's secret and
-- sign-outs. A record whose expires_at (UTC) has passed reads as absent. Names compare
-- byte for byte.
CREATE TABLE shared_records (
    name VARCHAR(191) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
    value MEDIUMTEXT NOT NULL,
    expires_at DATETIME(6) NULL,
    KEY idx_shared_records_expires_at (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
