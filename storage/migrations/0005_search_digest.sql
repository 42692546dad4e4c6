-- Issue 7: full-text search (/search) and the daily digest.

-- search_index: FTS5 over each article's title, summary and body; rowid = articles.id.
-- Contentless (content=''): the text lives in `articles` only, the index only matches and ranks
-- (results are read back from `articles` by id).
-- Folding ("da nang" finds "Đà Nẵng"): the unicode61 tokenizer with remove_diacritics 2
-- lowercases and strips every Vietnamese tone and vowel mark (also on decomposed text), but "đ"
-- is a letter of its own for Unicode, so it is replaced by "d" before indexing. Tokens are then
-- exactly those of bot.text.fold.fold() (tests/test_search.py checks it); queries go through the
-- same replacement (bot/search/query.py `searchable`, which must stay in step with this SQL).
-- Why SQL triggers rather than Python: every writer of `articles` (the ingestion, `newsbot
-- ingest`, the demo, benchmarks and tools with plain sqlite3) keeps the index in step, in the
-- transaction that stores the article, with no hook to forget; and the replacement costs ~1 µs
-- per article where Python's fold() costs ~1 ms on a 4,000-character body.
CREATE VIRTUAL TABLE search_index USING fts5(
    title, summary, body,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2'
);
-- Articles stored before this version.
INSERT INTO search_index(rowid, title, summary, body)
    SELECT id, replace(replace(title, 'đ', 'd'), 'Đ', 'D'),
           replace(replace(summary, 'đ', 'd'), 'Đ', 'D'),
           replace(replace(body, 'đ', 'd'), 'Đ', 'D')
    FROM articles;
CREATE TRIGGER search_index_insert AFTER INSERT ON articles BEGIN
    INSERT INTO search_index(rowid, title, summary, body)
    VALUES (new.id, replace(replace(new.title, 'đ', 'd'), 'Đ', 'D'),
            replace(replace(new.summary, 'đ', 'd'), 'Đ', 'D'),
            replace(replace(new.body, 'đ', 'd'), 'Đ', 'D'));
END;
-- A contentless table forgets a row when told the values it indexed ('delete' command).
CREATE TRIGGER search_index_delete AFTER DELETE ON articles BEGIN
    INSERT INTO search_index(search_index, rowid, title, summary, body)
    VALUES ('delete', old.id, replace(replace(old.title, 'đ', 'd'), 'Đ', 'D'),
            replace(replace(old.summary, 'đ', 'd'), 'Đ', 'D'),
            replace(replace(old.body, 'đ', 'd'), 'Đ', 'D'));
END;
CREATE TRIGGER search_index_update AFTER UPDATE OF title, summary, body ON articles BEGIN
    INSERT INTO search_index(search_index, rowid, title, summary, body)
    VALUES ('delete', old.id, replace(replace(old.title, 'đ', 'd'), 'Đ', 'D'),
            replace(replace(old.summary, 'đ', 'd'), 'Đ', 'D'),
            replace(replace(old.body, 'đ', 'd'), 'Đ', 'D'));
    INSERT INTO search_index(rowid, title, summary, body)
    VALUES (new.id, replace(replace(new.title, 'đ', 'd'), 'Đ', 'D'),
            replace(replace(new.summary, 'đ', 'd'), 'Đ', 'D'),
            replace(replace(new.body, 'đ', 'd'), 'Đ', 'D'));
END;

-- Digest bookkeeping, per chat in digest mode (chats.delivery_mode = 'digest', digest_hour 0-23
-- local time):
-- digest_last_day: the local day (date ordinal, Python's date.toordinal()) whose digest slot
--   was handled last (sent, or nothing new). The digest of day D is due from D at digest_hour;
--   a slot missed while the bot was down is handled once when it comes back.
-- digest_after_article: the digest lists articles with a larger id (stored later); advanced to
--   the newest article id each time a slot is handled, and set when the chat switches to digest.
ALTER TABLE chats ADD COLUMN digest_last_day INTEGER;
ALTER TABLE chats ADD COLUMN digest_after_article INTEGER;
CREATE INDEX chats_digest_due ON chats(digest_hour, digest_last_day)
    WHERE delivery_mode = 'digest' AND active = 1;

-- The articles of a digest that did not fit its message (4096 characters): its "more" button
-- lists them. Only the overflow is kept: most digests fit.
CREATE TABLE digest_overflow (
    digest_id INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    PRIMARY KEY (digest_id, position)
) WITHOUT ROWID;
CREATE INDEX digest_overflow_article ON digest_overflow(article_id);
-- Old digests are pruned (their text is the bulk of the outbox over time); /stop deletes a
-- chat's digests, and deleting a digest its delivery (cascades look these up).
CREATE INDEX digests_created ON digests(created_at);
CREATE INDEX digests_by_chat ON digests(chat_id);
CREATE INDEX deliveries_digest ON deliveries(digest_id) WHERE digest_id IS NOT NULL;
