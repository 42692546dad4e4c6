"""The schema, as an append-only list of migrations versioned with PRAGMA user_version.

Never edit a migration that has shipped: append a new one. Migration N (1-based) brings a database
from user_version N-1 to N.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: sources, categories, articles, archive file bookkeeping
    """
    CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        location TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        content_hash TEXT,
        last_success_at INTEGER,
        last_error TEXT,
        last_error_at INTEGER,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        backoff_until INTEGER,
        paused INTEGER NOT NULL DEFAULT 0,
        articles_total INTEGER NOT NULL DEFAULT 0,
        errors_total INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE categories (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        folded TEXT NOT NULL UNIQUE
    );
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        dedupe_key TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        url TEXT NOT NULL,
        title TEXT NOT NULL,
        category_id INTEGER NOT NULL REFERENCES categories(id),
        published INTEGER NOT NULL,
        fetched_at INTEGER NOT NULL,
        summary TEXT NOT NULL,
        body TEXT NOT NULL,
        image TEXT,
        image_caption TEXT,
        author TEXT,
        photo_file_id TEXT,
        photo_failed INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX articles_by_published ON articles(published DESC, id DESC);
    CREATE INDEX articles_by_category ON articles(category_id, published DESC, id DESC);
    CREATE TABLE archive_files (
        source TEXT NOT NULL,
        relpath TEXT NOT NULL,
        mtime_ns INTEGER NOT NULL,
        size INTEGER NOT NULL,
        error TEXT,
        PRIMARY KEY (source, relpath)
    ) WITHOUT ROWID;
    """,
    # 2: chats and their subscriptions
    """
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
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
