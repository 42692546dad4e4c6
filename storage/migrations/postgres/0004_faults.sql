-- Issue 18 (faults without loss): SQLite's 0015_faults.sql in PostgreSQL's types. Read that file
-- for what each column means: `summary_upto` (a flood summary's last article id, NULL for an
-- ordinary card), `uncertain` (sends that timed out after the request went out), and the
-- per-chat index gaining the topic and the creation time (the flood rule counts a reader's
-- recent cards).

ALTER TABLE deliveries ADD COLUMN summary_upto BIGINT;
ALTER TABLE deliveries ADD COLUMN uncertain BIGINT NOT NULL DEFAULT 0;

DROP INDEX deliveries_by_chat;
CREATE INDEX deliveries_by_chat ON deliveries(channel, chat_id, thread_id, created_at);
