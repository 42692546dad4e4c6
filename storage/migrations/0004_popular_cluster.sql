-- Issue 5: reader interactions and popularity; emulation-cluster (cụm thi đua) leadership.

-- One row per reader, article and kind: a reader counts once per article and kind.
-- kind: 'more' (Xem thêm), 'like' (👍, deleted again on un-like), 'open' (deep link or list
-- button), 'search_open' (a search result opened).
CREATE TABLE interactions (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('more', 'like', 'open', 'search_open')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (article_id, user_id, kind)
) WITHOUT ROWID;
-- /stop in a private chat forgets the reader's interactions (and takes them off the counters).
CREATE INDEX interactions_by_user ON interactions(user_id);

-- Per-article counters, updated in the same transaction as each interaction, so /popular never
-- aggregates `interactions`. `published` and `category_id` are copied from the article so the
-- ranking reads this table alone. `rank_key` = log2(weight) + min(published, t) / (half-life in
-- seconds): ordering by it is ordering by the decayed score at any moment (see README
-- "Popularity"); NULL when the weight is 0 (nothing counts any more).
CREATE TABLE article_stats (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL,
    published INTEGER NOT NULL,
    likes INTEGER NOT NULL DEFAULT 0,
    mores INTEGER NOT NULL DEFAULT 0,
    opens INTEGER NOT NULL DEFAULT 0,
    search_opens INTEGER NOT NULL DEFAULT 0,
    rank_key REAL
);
-- The ranking walks these in rank_key order and stops after the first N rows of the window;
-- `published` is in the index so the 7-day filter needs no table lookup.
CREATE INDEX article_stats_rank ON article_stats(rank_key DESC, published)
    WHERE rank_key IS NOT NULL;
CREATE INDEX article_stats_category_rank ON article_stats(category_id, rank_key DESC, published)
    WHERE rank_key IS NOT NULL;

-- Who leads which cluster in which year. origin 'extracted': read from an article (article_id,
-- its publication time and the sentence); origin 'admin': set with /setcluster (admin_id; an
-- empty unit means "nobody", which hides what was extracted). Admin rows win; among extracted
-- rows the most recent article wins.
CREATE TABLE cluster_facts (
    id INTEGER PRIMARY KEY,
    cluster_key TEXT NOT NULL,
    cluster TEXT NOT NULL,
    year INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('leader', 'deputy')),
    unit TEXT NOT NULL,
    unit_key TEXT NOT NULL,             -- accent-folded unit, for "/cluster hai phong"
    origin TEXT NOT NULL CHECK (origin IN ('extracted', 'admin')),
    article_id INTEGER REFERENCES articles(id) ON DELETE CASCADE,
    published INTEGER,
    sentence TEXT,
    admin_id INTEGER,
    created_at INTEGER NOT NULL,
    CHECK ((origin = 'extracted' AND article_id IS NOT NULL AND published IS NOT NULL)
           OR (origin = 'admin' AND article_id IS NULL AND admin_id IS NOT NULL))
);
CREATE UNIQUE INDEX cluster_facts_extracted ON cluster_facts(article_id, cluster_key, year, role)
    WHERE origin = 'extracted';
CREATE UNIQUE INDEX cluster_facts_admin ON cluster_facts(cluster_key, year, role)
    WHERE origin = 'admin';
-- The winner of a (cluster, year, role) is the first entry of this index: 'admin' sorts before
-- 'extracted', then the most recent article.
CREATE INDEX cluster_facts_pick ON cluster_facts(
    cluster_key, year, role, origin, published DESC, article_id DESC, id DESC);
CREATE INDEX cluster_facts_by_year ON cluster_facts(year, cluster_key);
CREATE INDEX cluster_facts_by_unit ON cluster_facts(unit_key, cluster_key);

-- How far extraction has read: every article with id <= last_article_id has been scanned.
-- Articles stored before this version are not scanned automatically (a large archive would
-- delay the start): `newsbot rescan-clusters` reads them.
CREATE TABLE cluster_scan (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_article_id INTEGER NOT NULL
);
INSERT INTO cluster_scan(id, last_article_id) VALUES (1, COALESCE((SELECT max(id) FROM articles), 0));
