-- How many messages are in each status, kept by the database itself: the triggers count
-- every insertion, change of status and deletion, whoever makes it (this service, another
-- system writing into the table, a person at a SQL prompt). A listing's total and the
-- statistics then read a few rows instead of counting every message. Each status has two
-- rows: insertions and deletions change `slot` 1, changes of status `slot` 0, so a message
-- created while a batch is claimed or recorded never waits for that batch's counts.
CREATE TABLE message_counts (
    status ENUM('pending', 'sending', 'sent', 'failed') NOT NULL,
    slot TINYINT UNSIGNED NOT NULL,
    messages BIGINT NOT NULL,
    PRIMARY KEY (slot, status)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Counted while writers are held off (the table of an adopted database has rows already),
-- so no change falls between the count and the triggers.
LOCK TABLES messages WRITE, message_counts WRITE;

INSERT INTO message_counts (status, slot, messages)
SELECT statuses.status, slots.slot, IF(slots.slot = 1, COUNT(messages.id), 0)
FROM (SELECT 'pending' AS status UNION ALL SELECT 'sending' UNION ALL SELECT 'sent'
      UNION ALL SELECT 'failed') AS statuses
CROSS JOIN (SELECT 0 AS slot UNION ALL SELECT 1) AS slots
LEFT JOIN messages ON messages.status = statuses.status
GROUP BY statuses.status, slots.slot;

CREATE TRIGGER messages_counted_on_insert AFTER INSERT ON messages FOR EACH ROW
    UPDATE message_counts SET messages = messages + 1 WHERE slot = 1 AND status = NEW.status;

-- A change of status takes the four rows of its slot, always in key order, so two
-- transactions never wait for each other's counts in opposite orders (a record moves
-- messages from sending to pending and to sent while a claim moves them from pending to
-- sending).
CREATE TRIGGER messages_counted_on_update AFTER UPDATE ON messages FOR EACH ROW
BEGIN
    IF NEW.status <> OLD.status THEN
        UPDATE message_counts
        SET messages = messages + (status = NEW.status) - (status = OLD.status)
        WHERE slot = 0;
    END IF;
END;

CREATE TRIGGER messages_counted_on_delete AFTER DELETE ON messages FOR EACH ROW
    UPDATE message_counts SET messages = messages - 1 WHERE slot = 1 AND status = OLD.status;

UNLOCK TABLES;
