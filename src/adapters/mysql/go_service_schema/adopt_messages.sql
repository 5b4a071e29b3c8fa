-- The `messages` table of the Go service, brought in place to the shape of
-- 0001_messages: every row, status, message_id, sent_at and created_at kept. One ALTER, so
-- it either happens whole or not at all. The Go service's DATETIME values are taken as UTC.
ALTER TABLE messages
    MODIFY id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    MODIFY content MEDIUMTEXT NOT NULL,
    MODIFY phone_number VARCHAR(32) NOT NULL,
    MODIFY status ENUM('pending', 'sending', 'sent', 'failed') NOT NULL DEFAULT 'pending',
    MODIFY message_id TEXT NULL,
    MODIFY sent_at DATETIME(6) NULL,
    ADD COLUMN attempts INT UNSIGNED NOT NULL DEFAULT 0 AFTER sent_at,
    ADD COLUMN next_attempt_at DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6)) AFTER attempts,
    ADD COLUMN lease_until DATETIME(6) NULL AFTER next_attempt_at,
    ADD COLUMN claim_token VARCHAR(64) NULL AFTER lease_until,
    ADD COLUMN last_error TEXT NULL AFTER claim_token,
    ADD COLUMN idempotency_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL
        DEFAULT (UUID()) AFTER last_error,
    MODIFY created_at DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    MODIFY updated_at DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    ADD COLUMN due_at DATETIME(6) AS (
        CASE status WHEN 'pending' THEN next_attempt_at WHEN 'sending' THEN lease_until END
    ) STORED,
    ADD COLUMN sent_order_at DATETIME(6) AS (COALESCE(sent_at, created_at)) STORED,
    DROP INDEX idx_messages_status,
    DROP INDEX idx_messages_created_at,
    DROP INDEX idx_messages_sent_at,
    ADD UNIQUE KEY uq_messages_idempotency_key (idempotency_key),
    ADD KEY ix_messages_due (due_at, id),
    ADD KEY ix_messages_status_id (status, id),
    ADD KEY ix_messages_status_sent_order (status, sent_order_at, id),
    ADD KEY ix_messages_phone_number (phone_number);

-- Pending rows are due in the order they were created; rows the Go service sent or gave up on were
-- attempted; a row the Go service was sending when it stopped is recovered like a lease that ended.
UPDATE messages SET next_attempt_at = created_at WHERE status = 'pending';

UPDATE messages SET attempts = 1 WHERE status IN ('sending', 'sent', 'failed');

UPDATE messages SET lease_until = UTC_TIMESTAMP(6) WHERE status = 'sending';

UPDATE messages SET last_error = 'failed in the previous service, which kept no reason'
WHERE status = 'failed';
