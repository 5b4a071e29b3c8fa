-- Small named records every instance sharing the file reads and writes: the scheduler's
-- desired state, the live instances, the receiver's breaker, the dashboard's secret and
-- sign-outs. A record whose expires_at (UTC text) has passed reads as absent.
CREATE TABLE shared_records (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at TEXT
);

CREATE INDEX idx_shared_records_expires_at ON shared_records (expires_at);
