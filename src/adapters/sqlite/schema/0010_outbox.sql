-- Other systems write into the table (a transactional outbox): a row given only `content`
-- and `phone_number` is a pending message, due at once, with an idempotency key of its own (a
-- random UUID). Times are UTC text with microseconds, as the adapter writes them. SQLite
-- cannot change a column's default, so the table is made anew and the rows copied, in the
-- transaction every migration runs in. Counts need no keeping here: they are counted on read.
CREATE TABLE messages_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    content TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    message_id TEXT,
    sent_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'),
    lease_until TEXT,
    claim_token TEXT,
    last_error TEXT,
    idempotency_key TEXT NOT NULL UNIQUE DEFAULT (
        lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
        || substr(lower(hex(randomblob(2))), 2) || '-'
        || substr('89ab', 1 + (abs(random()) % 4), 1)
        || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))
    ),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'),
    due_at TEXT GENERATED ALWAYS AS (
        CASE status WHEN 'pending' THEN next_attempt_at WHEN 'sending' THEN lease_until END
    ) VIRTUAL,
    sent_order_at TEXT GENERATED ALWAYS AS (COALESCE(sent_at, created_at)) VIRTUAL
);

INSERT INTO messages_outbox (
    id, content, phone_number, status, message_id, sent_at, attempts, next_attempt_at,
    lease_until, claim_token, last_error, idempotency_key, created_at, updated_at
)
SELECT
    id, content, phone_number, status, message_id, sent_at, attempts, next_attempt_at,
    lease_until, claim_token, last_error, idempotency_key, created_at, updated_at
FROM messages;

-- The ids to come stay above every id ever given, the rows of which may have been deleted.
DELETE FROM sqlite_sequence WHERE name = 'messages_outbox';

UPDATE sqlite_sequence SET name = 'messages_outbox' WHERE name = 'messages';

DROP TABLE messages;

ALTER TABLE messages_outbox RENAME TO messages;

CREATE INDEX ix_messages_due ON messages (due_at, id) WHERE due_at IS NOT NULL;

CREATE INDEX ix_messages_status_id ON messages (status, id);

CREATE INDEX ix_messages_status_sent_order ON messages (status, sent_order_at, id);

CREATE INDEX ix_messages_phone_number ON messages (phone_number);
