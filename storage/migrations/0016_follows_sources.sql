-- Issue 15: keyword follows (/follow), sources changed from the chat (/addsource,
-- /removesource), the admin's name on a broadcast (its report names them).
-- Nothing existing changes but that new column.

-- A reader's keyword follow (a chat, or one of its forum topics, as subscriptions are): new articles whose folded text holds `phrase` (the folded words,
-- space-separated, next to each other) reach the chat once. `key_word` is the follow's
-- longest word: a new article looks its own words up in `follows_by_key`, never runs a
-- search per follow (bot/chat/follows.py).
CREATE TABLE follows (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    thread_id TEXT NOT NULL DEFAULT '',  -- a forum topic's id ('' = the chat itself)
    words TEXT NOT NULL,                -- as the reader typed them (shown back)
    phrase TEXT NOT NULL,               -- folded words, space-separated
    key_word TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (channel, chat_id, thread_id, phrase),
    FOREIGN KEY (channel, chat_id) REFERENCES chats(channel, id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX follows_by_key ON follows(key_word);

-- Sources changed from the chat, on top of the sources file (the starting list): a row
-- 'added' is a feed an admin added (used unless the file has a source of that name), a row
-- 'removed' hides the file's source of that name (or ends an added one).
CREATE TABLE chat_sources (
    name TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('added', 'removed')),
    url TEXT,
    category TEXT,
    admin_channel TEXT NOT NULL,
    admin_id TEXT NOT NULL,
    changed_at INTEGER NOT NULL
);

-- An /addsource preview waiting for its admin's confirmation (its id is in the buttons).
CREATE TABLE source_drafts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    category TEXT,
    admin_channel TEXT NOT NULL,
    admin_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- The admin's name as the platform showed it when the draft was made (NULL: older rows).
ALTER TABLE broadcasts ADD COLUMN admin_name TEXT;
