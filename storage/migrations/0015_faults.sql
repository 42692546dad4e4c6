-- Issue 18 (faults without loss; reserved 0011, numbered 0015 after main's
-- 0011_cluster_review, 0012_shared_state, 0013_readers and 0014_zalo; self-contained, renumber
-- freely): the flood rule's summaries, ambiguous sends, and the index both read per reader.
-- PostgreSQL's equivalent is postgres/0004_faults.sql.

-- A flood of articles (more than NEWSBOT_PUSH_FLOOD_LIMIT pushes to one reader within
-- NEWSBOT_PUSH_FLOOD_WINDOW seconds) goes as one summary message instead of one card per
-- article. A summary is the delivery of the first article that did not get a card of its own,
-- extended up to article id `summary_upto`: it lists the articles of the reader's categories
-- (every category for a reader following them all) with ids from `article_id` to
-- `summary_upto` (storage/deliveries.py `summary_articles`).
-- NULL: an ordinary card (every existing row).
ALTER TABLE deliveries ADD COLUMN summary_upto INTEGER;

-- Sends of this delivery that timed out after the request had gone out (the platform may have
-- delivered them: the recipient may have the message twice). /stats counts them.
ALTER TABLE deliveries ADD COLUMN uncertain INTEGER NOT NULL DEFAULT 0;

-- The flood rule counts a reader's recent cards (a chat, or one forum topic: 0013_readers) when
-- it queues a push: the per-chat index gets the topic and the creation time (same name, same
-- leading columns, so every earlier use still finds it).
DROP INDEX deliveries_by_chat;
CREATE INDEX deliveries_by_chat ON deliveries(channel, chat_id, thread_id, created_at);
