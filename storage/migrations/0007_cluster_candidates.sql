-- Issue 16: cluster leadership the reader is unsure about, kept for the admins to confirm,
-- correct or reject (SPEC 13) and never shown to readers. Reserved as migration 0009: renumber
-- at merge so that it follows every migration main has by then.
--
-- One row per article and claim (cluster, year, role, unit). status: 'pending' (to be asked),
-- 'confirmed' (became an admin fact), 'corrected' (an admin fact with other values replaced
-- it), 'rejected' (never asked again). A re-scan refreshes pending rows and never touches a
-- decided one. reasons: the reader's space-separated codes (bot/cluster/confidence.py).
CREATE TABLE cluster_candidates (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    sentence TEXT NOT NULL,
    cluster_key TEXT NOT NULL,
    cluster TEXT NOT NULL,
    year INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('leader', 'deputy')),
    unit TEXT NOT NULL,
    unit_key TEXT NOT NULL,
    confidence REAL NOT NULL,
    reasons TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'confirmed', 'corrected', 'rejected')),
    created_at INTEGER NOT NULL,
    decided_at INTEGER,
    decided_by INTEGER,
    UNIQUE (article_id, cluster_key, year, role, unit_key)
);
-- The review queue, oldest first.
CREATE INDEX cluster_candidates_pending ON cluster_candidates(id) WHERE status = 'pending';
-- Whether a claim was already decided (in any article).
CREATE INDEX cluster_candidates_claim ON cluster_candidates(cluster_key, year, role, unit_key,
                                                            status);
