CREATE TABLE chats (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT 'vi',
    active INTEGER NOT NULL DEFAULT 1,
    inactive_reason TEXT,
    delivery_mode TEXT NOT NULL DEFAULT 'instant',
    digest_hour INTEGER,
    created_at INTEGER NOT NULL
);
CREATE TABLE subscriptions (
    chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE ON UPDATE CASCADE,
    category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, category_id)
) WITHOUT ROWID;
CREATE INDEX subscriptions_by_category ON subscriptions(category_id, chat_id);
