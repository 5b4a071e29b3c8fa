-- The repository's own sessions count the changes of status they make once per statement
-- (counts.py): a claim or a record of 500 messages then changes its slot's counts once,
-- instead of once per message through the trigger. They say so with a session variable set
-- when they connect; every other session (another system writing into the table, a process
-- of a version before this one) is still counted by the trigger, row by row. Insertions are
-- still counted by their trigger for every session. Writers are held off while the trigger
-- is replaced, so no change falls between the two.
LOCK TABLES messages WRITE, message_counts WRITE;

SET SESSION sql_notes = 0;

DROP TRIGGER IF EXISTS messages_counted_on_update;

SET SESSION sql_notes = 1;

CREATE TRIGGER messages_counted_on_update AFTER UPDATE ON messages FOR EACH ROW
BEGIN
    IF NEW.status <> OLD.status AND @insider_counts_by_statement IS NULL THEN
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

UNLOCK TABLES;
