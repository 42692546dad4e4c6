-- Issue 17 (hostile sources): corrections, and dates outside the sane window.

-- A correction (the same article, by its dedupe key, read again with other content: a feed
-- item edited by its publisher, an archive file rewritten) updates the stored article in place.
-- content_hash: sha256 of what the article says (bot/ingest/validate.py `content_hash`), NULL
-- for articles stored before this version (compared field by field once, then set).
-- updated_at: when the last correction was stored (NULL: never corrected).
ALTER TABLE articles ADD COLUMN content_hash TEXT;
ALTER TABLE articles ADD COLUMN updated_at INTEGER;

-- Articles stored with a publication time before 1990 or more than a day after they were
-- fetched (rows without a real fetch time, written by tools, are left alone) (year 9999 broke /latest, /search, the deep link and the push of every reader): the
-- ingestion now uses the fetch time instead, and so does this migration for stored rows. The
-- copies of `published` follow: article_stats (its rank_key = log2(weight) + min(published,
-- t)/H, H = 48 h = 172800 s as in bot/popularity.py, t = the last interaction) and the
-- extracted cluster facts.
UPDATE article_stats SET
    rank_key = rank_key + (
        (SELECT a.fetched_at FROM articles a WHERE a.id = article_stats.article_id)
        - min(published, COALESCE(
            (SELECT max(i.created_at) FROM interactions i WHERE i.article_id = article_stats.article_id),
            published))
    ) / 172800.0,
    published = (SELECT a.fetched_at FROM articles a WHERE a.id = article_stats.article_id)
WHERE article_id IN (
    SELECT id FROM articles WHERE published < 631152000 OR (fetched_at >= 631152000 AND published > fetched_at + 86400)
);
UPDATE cluster_facts SET
    published = (SELECT a.fetched_at FROM articles a WHERE a.id = cluster_facts.article_id)
WHERE origin = 'extracted' AND article_id IN (
    SELECT id FROM articles WHERE published < 631152000 OR (fetched_at >= 631152000 AND published > fetched_at + 86400)
);
UPDATE articles SET published = fetched_at
WHERE published < 631152000 OR (fetched_at >= 631152000 AND published > fetched_at + 86400);
