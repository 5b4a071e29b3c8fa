-- The dashboard's chart counts attempts per minute from the started_at index alone, which
-- pruning by age uses too.
CREATE TABLE delivery_attempts (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    message_id BIGINT UNSIGNED NOT NULL,
    attempt_number INT UNSIGNED NOT NULL,
    started_at DATETIME(6) NOT NULL,
    duration_ms INT UNSIGNED NOT NULL,
    http_status SMALLINT UNSIGNED NULL,
    error_kind VARCHAR(32) NULL,
    detail TEXT NULL,
    PRIMARY KEY (id),
    KEY ix_delivery_attempts_message (message_id),
    KEY ix_delivery_attempts_started_status (started_at, http_status)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
