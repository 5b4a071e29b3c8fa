-- How many messages are in each status, kept by the database itself whoever writes the rows
-- (this service, another system inserting into the table, an operator by hand), so totals are
-- read from a few rows instead of counted from every message. The triggers run once per
-- statement over the rows it changed (transition tables), not once per row. Each status has up
-- to 32 rows (`slot`, chosen by the writing session), so concurrent transactions rarely wait
-- for each other's counts; a total is the sum of its slots. Insertions and deletions count in
-- slots of their own (16-31), so a message created never waits for the counts of a batch being
-- claimed or recorded (changes of status, slots 0-15) until that transaction ends.
CREATE TABLE message_counts (
    status VARCHAR(20) NOT NULL,
    slot SMALLINT NOT NULL,
    messages BIGINT NOT NULL,
    PRIMARY KEY (status, slot)
);

-- Writers are held off until the triggers exist, so no change falls between count and trigger.
LOCK TABLE messages IN SHARE ROW EXCLUSIVE MODE;

INSERT INTO message_counts (status, slot, messages)
SELECT status, 0, COUNT(*) FROM messages GROUP BY status;

-- Statuses in one order, so two transactions sharing a slot never wait for each other's
-- counts in opposite orders.
CREATE FUNCTION messages_counted_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_counts AS counts (status, slot, messages)
    SELECT status, 16 + pg_backend_pid() % 16, COUNT(*) FROM added GROUP BY status ORDER BY status
    ON CONFLICT (status, slot) DO UPDATE SET messages = counts.messages + EXCLUDED.messages;
    RETURN NULL;
END
$$;

CREATE FUNCTION messages_counted_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_counts AS counts (status, slot, messages)
    SELECT status, pg_backend_pid() % 16, SUM(change)
    FROM (
        SELECT status, 1 AS change FROM added
        UNION ALL
        SELECT status, -1 AS change FROM removed
    ) AS changes
    GROUP BY status HAVING SUM(change) <> 0 ORDER BY status
    ON CONFLICT (status, slot) DO UPDATE SET messages = counts.messages + EXCLUDED.messages;
    RETURN NULL;
END
$$;

CREATE FUNCTION messages_counted_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_counts AS counts (status, slot, messages)
    SELECT status, 16 + pg_backend_pid() % 16, -COUNT(*) FROM removed GROUP BY status
    ORDER BY status
    ON CONFLICT (status, slot) DO UPDATE SET messages = counts.messages + EXCLUDED.messages;
    RETURN NULL;
END
$$;

CREATE FUNCTION messages_counted_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM message_counts;
    RETURN NULL;
END
$$;

CREATE TRIGGER messages_counted_on_insert AFTER INSERT ON messages
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION messages_counted_on_insert();

CREATE TRIGGER messages_counted_on_update AFTER UPDATE ON messages
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION messages_counted_on_update();

CREATE TRIGGER messages_counted_on_delete AFTER DELETE ON messages
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION messages_counted_on_delete();

CREATE TRIGGER messages_counted_on_truncate AFTER TRUNCATE ON messages
    FOR EACH STATEMENT EXECUTE FUNCTION messages_counted_on_truncate();
