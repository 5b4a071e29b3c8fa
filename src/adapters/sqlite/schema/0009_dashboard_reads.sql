-- What the operator dashboard reads: a search by phone number reads that number's rows only,
-- and the chart counts attempts per minute from the index alone (the started_at index gains
-- http_status and replaces the index on started_at by itself, which pruning uses as well).
CREATE INDEX ix_messages_phone_number ON messages (phone_number);

DROP INDEX ix_delivery_attempts_started;

CREATE INDEX ix_delivery_attempts_started_status ON delivery_attempts (started_at, http_status);
