-- A number every change to a message raises, so that a reader may keep what it made of a
-- message until the message changes (the API reuses the messages it rendered for listings).
ALTER TABLE messages ADD COLUMN revision BIGINT UNSIGNED NOT NULL DEFAULT 0;
