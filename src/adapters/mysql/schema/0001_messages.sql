-- Times are DATETIME(6) holding naive UTC. Other systems may write into the table (an
-- outbox): a row given only `content` and `phone_number` is a pending message, due at once,
-- with an idempotency key of its own; its times are UTC whatever the inserting session's time
-- zone (UTC_TIMESTAMP, never NOW()).
CREATE TABLE messages (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    content MEDIUMTEXT NOT NULL,
    phone_number VARCHAR(32) NOT NULL,
    status ENUM('pending', 'sending', 'sent', 'failed') NOT NULL DEFAULT 'pending',
    message_id TEXT NULL,
    sent_at DATETIME(6) NULL,
    attempts INT UNSIGNED NOT NULL DEFAULT 0,
    next_attempt_at DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    lease_until DATETIME(6) NULL,
    claim_token VARCHAR(64) NULL,
    last_error TEXT NULL,
    idempotency_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL
        DEFAULT (UUID()),
    created_at DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    updated_at DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    -- When the row becomes claimable: pending at its next attempt, sending when its lease
    -- ends. Sent and failed rows have none, so the claim's index range never holds them,
    -- however many there are.
    due_at DATETIME(6) AS (
        CASE status WHEN 'pending' THEN next_attempt_at WHEN 'sending' THEN lease_until END
    ) STORED,
    sent_order_at DATETIME(6) AS (COALESCE(sent_at, created_at)) STORED,
    PRIMARY KEY (id),
    UNIQUE KEY uq_messages_idempotency_key (idempotency_key),
    KEY ix_messages_due (due_at, id),
    KEY ix_messages_status_id (status, id),
    KEY ix_messages_status_sent_order (status, sent_order_at, id),
    -- A search by phone number reads that number's rows only, newest first without a sort.
    KEY ix_messages_phone_number (phone_number)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
