-- Issue 6 (admin tools): the record of each broadcast, and fast progress counts.
-- Counts are cached on the broadcast when it ends, so the record survives chats that later
-- leave (/stop deletes a chat and, by cascade, its deliveries).
ALTER TABLE broadcasts ADD COLUMN audience TEXT;          -- category name at the time, NULL = everyone
ALTER TABLE broadcasts ADD COLUMN recipients INTEGER NOT NULL DEFAULT 0;  -- deliveries enqueued
-- Chats of the audience that had stopped (inactive) or paused receiving: not enqueued.
ALTER TABLE broadcasts ADD COLUMN left_out INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcasts ADD COLUMN sent_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcasts ADD COLUMN skipped_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcasts ADD COLUMN failed_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcasts ADD COLUMN cancelled_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcasts ADD COLUMN cancelled_by INTEGER;   -- the admin who stopped it
CREATE INDEX broadcasts_by_status ON broadcasts(status, id);
-- Progress of a 100,000-recipient broadcast is counted every few seconds: a covering index
-- makes that an index-only scan.
CREATE INDEX deliveries_broadcast_status ON deliveries(broadcast_id, status)
    WHERE broadcast_id IS NOT NULL;
