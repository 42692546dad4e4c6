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
