-- What the operator dashboard reads. A search by phone number reads that number's rows only
-- (InnoDB keeps the id in the index, so they come newest first without a sort). The chart
-- counts attempts per minute from the index alone: the started_at index gains http_status
-- and replaces the index on started_at by itself, which pruning uses just as well.
ALTER TABLE messages ADD INDEX ix_messages_phone_number (phone_number);

ALTER TABLE delivery_attempts
    DROP INDEX ix_delivery_attempts_started,
    ADD INDEX ix_delivery_attempts_started_status (started_at, http_status);
