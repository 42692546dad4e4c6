-- Issue 13 (reserved number 0011; numbered 0013, after main's 0012_shared_state; renumber at
-- merge: this file is self-contained; PostgreSQL's equivalent is postgres/0002_readers.sql):
-- Telegram channels and forum topics as readers, "all categories", the chats the bot is in, and
-- new categories told to the admins once.
--
-- A *reader* is a chat, or one topic of a forum chat: (channel, chat_id, thread_id), where
-- thread_id is the topic's id as text and '' for the chat itself ('' rather than NULL, so that
-- it can take part in primary keys and unique indexes on SQLite and PostgreSQL alike). The
-- chat's own row (settings, active) stays per chat; subscriptions and deliveries are per reader.
-- Every existing row is kept and becomes the reader of the chat itself (thread_id '').
--
-- Portable SQL only (no WITHOUT ROWID, no INSERT OR ...): PostgreSQL accepts the same
-- statements. The rebuild of `subscriptions` (its primary key gains thread_id) follows
-- https://www.sqlite.org/lang_altertable.html#otheralter (the migration runner switches foreign
-- keys off around migrations and runs PRAGMA foreign_key_check before it commits).

CREATE TABLE subscriptions_new (
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    thread_id TEXT NOT NULL DEFAULT '',
    category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (channel, chat_id, thread_id, category_id),
    FOREIGN KEY (channel, chat_id) REFERENCES chats(channel, id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO subscriptions_new(channel, chat_id, thread_id, category_id, created_at)
    SELECT channel, chat_id, '', category_id, created_at FROM subscriptions;
DROP TABLE subscriptions;
ALTER TABLE subscriptions_new RENAME TO subscriptions;
CREATE INDEX subscriptions_by_category ON subscriptions(category_id, channel, chat_id, thread_id);

-- "All categories" is a subscription of its own: it covers categories created later.
CREATE TABLE subscriptions_all (
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    thread_id TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (channel, chat_id, thread_id),
    FOREIGN KEY (channel, chat_id) REFERENCES chats(channel, id)
        ON DELETE CASCADE ON UPDATE CASCADE
);

-- A delivery goes to a reader: the topic it is for ('' = the chat itself). One article (or
-- broadcast) per reader, so the unique indexes gain the topic.
ALTER TABLE deliveries ADD COLUMN thread_id TEXT NOT NULL DEFAULT '';
DROP INDEX deliveries_article;
CREATE UNIQUE INDEX deliveries_article ON deliveries(article_id, channel, chat_id, thread_id)
    WHERE article_id IS NOT NULL;
DROP INDEX deliveries_broadcast;
CREATE UNIQUE INDEX deliveries_broadcast ON deliveries(broadcast_id, channel, chat_id, thread_id)
    WHERE broadcast_id IS NOT NULL;

-- A digest is one reader's (its "more" button answers in that topic only).
ALTER TABLE digests ADD COLUMN thread_id TEXT NOT NULL DEFAULT '';

-- The chats the bot was added to (or removed from), as the platform reports them (Telegram's
-- my_chat_member updates): what admins may link from a private chat (/channels). `status` is
-- the bot's own: creator, administrator, member, restricted, left or kicked; `can_post`: it may
-- post there (a channel admin without "post messages" may not).
CREATE TABLE memberships (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    chat_type TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    can_post INTEGER NOT NULL DEFAULT 1,
    updated_at INTEGER NOT NULL,
    UNIQUE (channel, chat_id)
);

-- When the admins were told about a category (NULL: not yet). The categories of the previous
-- version are known to them already.
ALTER TABLE categories ADD COLUMN announced_at INTEGER;
UPDATE categories SET announced_at = 0;
