-- How many messages are in each status, kept by the database itself: the triggers count
-- every insertion, change of status and deletion, whoever makes it (this service, another
-- system writing into the table, a person at a SQL prompt). A listing's total and the
-- statistics then read four rows instead of counting every message.
CREATE TABLE message_counts (
    status ENUM('pending', 'sending', 'sent', 'failed') NOT NULL PRIMARY KEY,
    messages BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Counted while writers are held off (the table of an adopted database has rows already),
-- so no change falls between the count and the triggers.
LOCK TABLES messages WRITE, message_counts WRITE;

INSERT INTO message_counts (status, messages)
SELECT statuses.status, COUNT(messages.id)
FROM (SELECT 'pending' AS status UNION ALL SELECT 'sending' UNION ALL SELECT 'sent'
      UNION ALL SELECT 'failed') AS statuses
LEFT JOIN messages ON messages.status = statuses.status
GROUP BY statuses.status;

-- Every trigger takes the four rows, always in key order, so two transactions never wait
-- for each other's counts in opposite orders (a record moves messages from sending to both
-- pending and sent while a claim moves them from pending to sending).
CREATE TRIGGER messages_counted_on_insert AFTER INSERT ON messages FOR EACH ROW
    UPDATE message_counts SET messages = messages + (status = NEW.status);

CREATE TRIGGER messages_counted_on_update AFTER UPDATE ON messages FOR EACH ROW
BEGIN
    IF NEW.status <> OLD.status THEN
        UPDATE message_counts
        SET messages = messages + (status = NEW.status) - (status = OLD.status);
    END IF;
END;

CREATE TRIGGER messages_counted_on_delete AFTER DELETE ON messages FOR EACH ROW
    UPDATE message_counts SET messages = messages - (status = OLD.status);

UNLOCK TABLES;
