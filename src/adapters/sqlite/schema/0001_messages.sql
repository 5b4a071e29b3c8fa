-- Times are naive UTC text 'YYYY-MM-DD HH:MM:SS.ffffff', so text order is time order.
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    content TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    message_id TEXT,
    sent_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_until TEXT,
    claim_token TEXT,
    last_error TEXT,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- When the row becomes claimable: pending at its next attempt, sending when its lease
    -- ends. Sent and failed rows have none, so the claim's index range never holds them.
    due_at TEXT GENERATED ALWAYS AS (
        CASE status WHEN 'pending' THEN next_attempt_at WHEN 'sending' THEN lease_until END
    ) VIRTUAL,
    sent_order_at TEXT GENERATED ALWAYS AS (COALESCE(sent_at, created_at)) VIRTUAL
);

CREATE INDEX ix_messages_due ON messages (due_at, id) WHERE due_at IS NOT NULL;

CREATE INDEX ix_messages_status_id ON messages (status, id);

CREATE INDEX ix_messages_status_sent_order ON messages (status, sent_order_at, id);
