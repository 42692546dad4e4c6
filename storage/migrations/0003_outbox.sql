-- The persisted outbox: every message to a subscriber is a row here before it is sent.
-- A delivery is for exactly one of: an article (push), a broadcast, a digest.
CREATE TABLE broadcasts (
    id INTEGER PRIMARY KEY,
    admin_id INTEGER NOT NULL,
    text TEXT NOT NULL,                 -- HTML exactly as subscribers will receive it
    photo TEXT,                         -- Telegram file_id or URL, NULL for text only
    category_id INTEGER REFERENCES categories(id) ON DELETE SET NULL,  -- NULL = everyone
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'sending', 'cancelled', 'done')),
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    progress_chat_id INTEGER,           -- where the admin watches the progress message
    progress_message_id INTEGER
);
CREATE TABLE digests (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE ON UPDATE CASCADE,
    text TEXT NOT NULL,
    period_start INTEGER NOT NULL,
    period_end INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE ON UPDATE CASCADE,
    article_id INTEGER REFERENCES articles(id) ON DELETE CASCADE,
    broadcast_id INTEGER REFERENCES broadcasts(id) ON DELETE CASCADE,
    digest_id INTEGER REFERENCES digests(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'skipped', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before INTEGER NOT NULL DEFAULT 0,   -- unix time: retry back-off
    reason TEXT,                             -- why skipped/failed/cancelled
    message_id INTEGER,
    silent INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    finished_at INTEGER,
    CHECK ((article_id IS NOT NULL) + (broadcast_id IS NOT NULL) + (digest_id IS NOT NULL) = 1)
);
CREATE UNIQUE INDEX deliveries_article ON deliveries(article_id, chat_id)
    WHERE article_id IS NOT NULL;
CREATE UNIQUE INDEX deliveries_broadcast ON deliveries(broadcast_id, chat_id)
    WHERE broadcast_id IS NOT NULL;
CREATE INDEX deliveries_pending ON deliveries(not_before, id) WHERE status = 'pending';
CREATE INDEX deliveries_by_chat ON deliveries(chat_id);
CREATE INDEX deliveries_finished ON deliveries(finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX chats_active ON chats(active, delivery_mode);
