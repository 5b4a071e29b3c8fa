-- Small named records every instance sharing the database reads and writes: the scheduler's
-- desired state, the live instances, the receiver's breaker, the dashboard's secret and
-- sign-outs. A record whose expires_at has passed reads as absent. Names compare byte for
-- byte (the C collation).
CREATE TABLE shared_records (
    name TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at TIMESTAMPTZ
);

CREATE INDEX idx_shared_records_expires_at ON shared_records (expires_at);
