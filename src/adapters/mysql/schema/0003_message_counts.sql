-- How many messages are in each status, changed in the same transaction as the messages, so
-- listing totals and statistics are read from a few rows instead of counted from every
-- message. Each status has up to 16 rows (`slot`, chosen by connection), so concurrent
-- transactions rarely wait for each other's counts; a total is the sum of its slots.
CREATE TABLE message_counts (
    status ENUM('pending', 'sending', 'sent', 'failed') NOT NULL,
    slot TINYINT UNSIGNED NOT NULL,
    messages BIGINT NOT NULL,
    PRIMARY KEY (status, slot)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

LOCK TABLES messages WRITE, message_counts WRITE;

INSERT INTO message_counts (status, slot, messages)
SELECT status, 0, COUNT(*) FROM messages GROUP BY status;

UNLOCK TABLES;
