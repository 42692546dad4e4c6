-- Issue 10 (reserved number 0008; numbered 0009 here, after main's 0007 and 0008, so the series
-- has no gap; renumber at merge: this file is self-contained): a chat is a (channel, chat id)
-- pair, the chat id as text.
--
-- Telegram's ids are integers, Zalo's are strings, and one bot serves both from one database,
-- so every table keyed by a chat (chats, subscriptions, deliveries, digests, the progress chat
-- of broadcasts) and by a reader (interactions, the admin of a broadcast) is rebuilt with a
-- `channel` column and text ids. Every existing row is kept and becomes channel 'telegram'.
--
-- Also:
-- - `article_photos`: the platform's id for an article's photo (or that the platform could not
--   use it) is per channel; the old `articles.photo_file_id` / `photo_failed` values move here
--   (as Telegram's) and those columns are no longer used.
-- - Stored message text (digests.text, broadcasts.text) is the core's neutral rich text as JSON
--   (see bot/message.py `to_stored`). Rows written before held the HTML sent to Telegram: they
--   are wrapped as {"html": ...} and read back as rich text.
--
-- The rebuild follows https://www.sqlite.org/lang_altertable.html#otheralter: the migration
-- runner (storage/db.py) switches foreign keys off around migrations (so that dropping an old
-- table cascades nothing) and runs PRAGMA foreign_key_check before it commits.

CREATE TABLE chats_new (
    channel TEXT NOT NULL,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT 'vi',
    active INTEGER NOT NULL DEFAULT 1,
    inactive_reason TEXT,
    delivery_mode TEXT NOT NULL DEFAULT 'instant',
    digest_hour INTEGER,
    created_at INTEGER NOT NULL,
    digest_last_day INTEGER,
    digest_after_article INTEGER,
    PRIMARY KEY (channel, id)
) WITHOUT ROWID;
INSERT INTO chats_new(channel, id, type, language, active, inactive_reason, delivery_mode,
                      digest_hour, created_at, digest_last_day, digest_after_article)
    SELECT 'telegram', CAST(id AS TEXT), type, language, active, inactive_reason, delivery_mode,
           digest_hour, created_at, digest_last_day, digest_after_article
    FROM chats;

CREATE TABLE subscriptions_new (
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (channel, chat_id, category_id),
    FOREIGN KEY (channel, chat_id) REFERENCES chats(channel, id)
        ON DELETE CASCADE ON UPDATE CASCADE
) WITHOUT ROWID;
INSERT INTO subscriptions_new(channel, chat_id, category_id, created_at)
    SELECT 'telegram', CAST(chat_id AS TEXT), category_id, created_at FROM subscriptions;

CREATE TABLE broadcasts_new (
    id INTEGER PRIMARY KEY,
    admin_channel TEXT NOT NULL,
    admin_id TEXT NOT NULL,
    text TEXT NOT NULL,                 -- rich text (JSON) exactly as recipients receive it
    photo TEXT,                         -- a URL, or a platform's file id (photo_channel's)
    photo_channel TEXT,
    category_id INTEGER REFERENCES categories(id) ON DELETE SET NULL,  -- NULL = everyone
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'sending', 'cancelled', 'done')),
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    progress_channel TEXT,              -- where the admin watches the progress message
    progress_chat_id TEXT,
    progress_message_id TEXT,
    audience TEXT,
    recipients INTEGER NOT NULL DEFAULT 0,
    left_out INTEGER NOT NULL DEFAULT 0,
    sent_count INTEGER NOT NULL DEFAULT 0,
    skipped_count INTEGER NOT NULL DEFAULT 0,
    failed_count INTEGER NOT NULL DEFAULT 0,
    cancelled_count INTEGER NOT NULL DEFAULT 0,
    cancelled_by TEXT
);
INSERT INTO broadcasts_new(id, admin_channel, admin_id, text, photo, photo_channel, category_id,
                           status, created_at, started_at, finished_at, progress_channel,
                           progress_chat_id, progress_message_id, audience, recipients,
                           left_out, sent_count, skipped_count, failed_count, cancelled_count,
                           cancelled_by)
    SELECT id, 'telegram', CAST(admin_id AS TEXT), json_object('html', text), photo,
           CASE WHEN photo IS NULL THEN NULL ELSE 'telegram' END, category_id, status,
           created_at, started_at, finished_at,
           CASE WHEN progress_chat_id IS NULL THEN NULL ELSE 'telegram' END,
           CAST(progress_chat_id AS TEXT), CAST(progress_message_id AS TEXT), audience,
           recipients, left_out, sent_count, skipped_count, failed_count, cancelled_count,
           CAST(cancelled_by AS TEXT)
    FROM broadcasts;

CREATE TABLE digests_new (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    text TEXT NOT NULL,                 -- rich text (JSON)
    period_start INTEGER NOT NULL,
    period_end INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    FOREIGN KEY (channel, chat_id) REFERENCES chats(channel, id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO digests_new(id, channel, chat_id, text, period_start, period_end, created_at)
    SELECT id, 'telegram', CAST(chat_id AS TEXT), json_object('html', text), period_start,
           period_end, created_at
    FROM digests;

CREATE TABLE deliveries_new (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    article_id INTEGER REFERENCES articles(id) ON DELETE CASCADE,
    broadcast_id INTEGER REFERENCES broadcasts(id) ON DELETE CASCADE,
    digest_id INTEGER REFERENCES digests(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'skipped', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before INTEGER NOT NULL DEFAULT 0,   -- unix time: retry back-off
    reason TEXT,                             -- why skipped/failed/cancelled
    message_id TEXT,
    silent INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    finished_at INTEGER,
    CHECK ((article_id IS NOT NULL) + (broadcast_id IS NOT NULL) + (digest_id IS NOT NULL) = 1),
    FOREIGN KEY (channel, chat_id) REFERENCES chats(channel, id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO deliveries_new(id, channel, chat_id, article_id, broadcast_id, digest_id, status,
                           attempts, not_before, reason, message_id, silent, created_at,
                           finished_at)
    SELECT id, 'telegram', CAST(chat_id AS TEXT), article_id, broadcast_id, digest_id, status,
           attempts, not_before, reason, CAST(message_id AS TEXT), silent, created_at,
           finished_at
    FROM deliveries;

CREATE TABLE interactions_new (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('more', 'like', 'open', 'search_open')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (article_id, channel, user_id, kind)
) WITHOUT ROWID;
INSERT INTO interactions_new(article_id, channel, user_id, kind, created_at)
    SELECT article_id, 'telegram', CAST(user_id AS TEXT), kind, created_at FROM interactions;

CREATE TABLE article_photos (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    file_id TEXT,                       -- the platform's id for the photo, reused for everyone
    failed INTEGER NOT NULL DEFAULT 0,  -- the platform could not use it: send text
    PRIMARY KEY (article_id, channel)
) WITHOUT ROWID;
INSERT INTO article_photos(article_id, channel, file_id, failed)
    SELECT id, 'telegram', photo_file_id, photo_failed FROM articles
    WHERE photo_file_id IS NOT NULL OR photo_failed = 1;

DROP TABLE deliveries;
DROP TABLE digests;
DROP TABLE broadcasts;
DROP TABLE subscriptions;
DROP TABLE interactions;
DROP TABLE chats;
ALTER TABLE chats_new RENAME TO chats;
ALTER TABLE subscriptions_new RENAME TO subscriptions;
ALTER TABLE broadcasts_new RENAME TO broadcasts;
ALTER TABLE digests_new RENAME TO digests;
ALTER TABLE deliveries_new RENAME TO deliveries;
ALTER TABLE interactions_new RENAME TO interactions;

CREATE INDEX chats_active ON chats(active, delivery_mode);
CREATE INDEX chats_digest_due ON chats(digest_hour, digest_last_day)
    WHERE delivery_mode = 'digest' AND active = 1;
CREATE INDEX subscriptions_by_category ON subscriptions(category_id, channel, chat_id);
CREATE INDEX broadcasts_by_status ON broadcasts(status, id);
CREATE INDEX digests_created ON digests(created_at);
CREATE INDEX digests_by_chat ON digests(channel, chat_id);
CREATE UNIQUE INDEX deliveries_article ON deliveries(article_id, channel, chat_id)
    WHERE article_id IS NOT NULL;
CREATE UNIQUE INDEX deliveries_broadcast ON deliveries(broadcast_id, channel, chat_id)
    WHERE broadcast_id IS NOT NULL;
CREATE INDEX deliveries_pending ON deliveries(not_before, id) WHERE status = 'pending';
CREATE INDEX deliveries_by_chat ON deliveries(channel, chat_id);
CREATE INDEX deliveries_finished ON deliveries(finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX deliveries_digest ON deliveries(digest_id) WHERE digest_id IS NOT NULL;
CREATE INDEX deliveries_broadcast_status ON deliveries(broadcast_id, status)
    WHERE broadcast_id IS NOT NULL;
CREATE INDEX interactions_by_user ON interactions(channel, user_id);
