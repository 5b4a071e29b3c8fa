-- Other systems write into the table (a transactional outbox): a row given only `content`
-- and `phone_number` is a pending message, due at once, with an idempotency key of its own.
-- Times are UTC whatever the inserting session's time zone (UTC_TIMESTAMP, never NOW()).
ALTER TABLE messages
    ALTER COLUMN status SET DEFAULT 'pending',
    ALTER COLUMN next_attempt_at SET DEFAULT (UTC_TIMESTAMP(6)),
    ALTER COLUMN idempotency_key SET DEFAULT (UUID()),
    ALTER COLUMN created_at SET DEFAULT (UTC_TIMESTAMP(6)),
    ALTER COLUMN updated_at SET DEFAULT (UTC_TIMESTAMP(6));

-- From here on the database keeps `message_counts` true by itself, whoever changes the rows:
-- the triggers below are the only writers of the counts. They are counted afresh and the
-- triggers created while writers are held off, so no change falls between the two.
LOCK TABLES messages WRITE, message_counts WRITE;

DELETE FROM message_counts;

-- Every row the triggers may change exists beforehand, so a change only ever locks an
-- existing row (an INSERT of a new one would also lock the gap beside it).
INSERT INTO message_counts (status, slot, messages)
SELECT statuses.status, slots.slot, 0
FROM (SELECT 'pending' AS status UNION ALL SELECT 'sending' UNION ALL SELECT 'sent'
      UNION ALL SELECT 'failed') AS statuses
CROSS JOIN (SELECT 0 AS slot UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
      UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7
      UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10 UNION ALL SELECT 11
      UNION ALL SELECT 12 UNION ALL SELECT 13 UNION ALL SELECT 14 UNION ALL SELECT 15) AS slots;

INSERT INTO message_counts (status, slot, messages)
SELECT status, 0, COUNT(*) FROM messages GROUP BY status
ON DUPLICATE KEY UPDATE messages = VALUES(messages);

-- A run of this migration cut short (DDL commits as it goes) may have left triggers behind.
-- (Notes off: a trigger that is not there is no news.)
SET SESSION sql_notes = 0;

DROP TRIGGER IF EXISTS messages_counted_on_insert;

DROP TRIGGER IF EXISTS messages_counted_on_update;

DROP TRIGGER IF EXISTS messages_counted_on_delete;

DROP TRIGGER IF EXISTS messages_revised;

SET SESSION sql_notes = 1;

-- Each connection counts in a slot of its own (MOD(CONNECTION_ID(), 16)), so concurrent
-- transactions rarely wait for each other's counts. A change of status takes its slot's four
-- rows, always in the same order, so two transactions never wait for each other's counts in
-- opposite orders.
CREATE TRIGGER messages_counted_on_insert AFTER INSERT ON messages FOR EACH ROW
    INSERT INTO message_counts (status, slot, messages)
    VALUES (NEW.status, MOD(CONNECTION_ID(), 16), 1)
    ON DUPLICATE KEY UPDATE messages = messages + 1;

CREATE TRIGGER messages_counted_on_update AFTER UPDATE ON messages FOR EACH ROW
BEGIN
    IF NEW.status <> OLD.status THEN
        INSERT INTO message_counts (status, slot, messages) VALUES
            ('pending', MOD(CONNECTION_ID(), 16),
                (NEW.status = 'pending') - (OLD.status = 'pending')),
            ('sending', MOD(CONNECTION_ID(), 16),
                (NEW.status = 'sending') - (OLD.status = 'sending')),
            ('sent', MOD(CONNECTION_ID(), 16), (NEW.status = 'sent') - (OLD.status = 'sent')),
            ('failed', MOD(CONNECTION_ID(), 16),
                (NEW.status = 'failed') - (OLD.status = 'failed'))
        ON DUPLICATE KEY UPDATE messages = messages + VALUES(messages);
    END IF;
END;

CREATE TRIGGER messages_counted_on_delete AFTER DELETE ON messages FOR EACH ROW
    INSERT INTO message_counts (status, slot, messages)
    VALUES (OLD.status, MOD(CONNECTION_ID(), 16), -1)
    ON DUPLICATE KEY UPDATE messages = messages - 1;

-- Every change raises the revision readers keep what they made of a message by (0004), a
-- change made by hand included; an UPDATE that changes nothing leaves the row as it was.
CREATE TRIGGER messages_revised BEFORE UPDATE ON messages FOR EACH ROW
BEGIN
    IF NOT (NEW.status <=> OLD.status AND NEW.attempts <=> OLD.attempts
            AND NEW.message_id <=> OLD.message_id AND NEW.sent_at <=> OLD.sent_at
            AND NEW.next_attempt_at <=> OLD.next_attempt_at
            AND NEW.lease_until <=> OLD.lease_until AND NEW.claim_token <=> OLD.claim_token
            AND NEW.last_error <=> OLD.last_error AND NEW.updated_at <=> OLD.updated_at
            AND NEW.content <=> OLD.content AND NEW.phone_number <=> OLD.phone_number
            AND NEW.idempotency_key <=> OLD.idempotency_key
            AND NEW.created_at <=> OLD.created_at) THEN
        SET NEW.revision = OLD.revision + 1;
    END IF;
END;

UNLOCK TABLES;
