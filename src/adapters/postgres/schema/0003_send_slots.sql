-- The cluster-wide rate limit: the start of the next free send slot, booked by every process
-- sharing the database under WEBHOOK_RATE_LIMIT (NULL until the first booking).
CREATE TABLE send_slots (
    id SMALLINT PRIMARY KEY,
    next_free TIMESTAMPTZ
);

INSERT INTO send_slots (id, next_free) VALUES (1, NULL);
