CREATE TABLE delivery_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id INTEGER NOT NULL,
    attempt_number INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    http_status INTEGER,
    error_kind TEXT,
    detail TEXT
);

CREATE INDEX ix_delivery_attempts_message ON delivery_attempts (message_id);

CREATE INDEX ix_delivery_attempts_started ON delivery_attempts (started_at);
