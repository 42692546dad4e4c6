-- Issue 14 (/cluster within 20 ms on PostgreSQL at 1,000,000 articles): the distinct
-- (cluster, unit) pairs of cluster_facts, so that `/cluster <words>` finds the clusters the
-- words name (or a member unit's words name) in a few hundred pairs instead of matching
-- `LIKE '%words%'` against every fact (10,000 facts: 3-5 ms a query on PostgreSQL, two queries
-- per command). `facts` counts the facts of the pair: a pair goes when its last fact goes.
-- unit_key '' is an admin's "nobody" (the cluster is known all the same).
-- Why SQL triggers rather than Python (as for search_index): every writer of cluster_facts
-- (the scanner, /setcluster, a confirmed candidate, an article deleted with its facts by the
-- cascade, benchmarks with plain sqlite3) keeps the pairs in step, in the same transaction.
CREATE TABLE cluster_units (
    cluster_key TEXT NOT NULL,
    unit_key TEXT NOT NULL,
    facts INTEGER NOT NULL CHECK (facts >= 0),
    PRIMARY KEY (cluster_key, unit_key)
) WITHOUT ROWID;
-- Facts stored before this version.
INSERT INTO cluster_units(cluster_key, unit_key, facts)
    SELECT cluster_key, unit_key, count(*) FROM cluster_facts GROUP BY cluster_key, unit_key;

CREATE TRIGGER cluster_units_insert AFTER INSERT ON cluster_facts BEGIN
    INSERT INTO cluster_units(cluster_key, unit_key, facts)
    VALUES (new.cluster_key, new.unit_key, 1)
    ON CONFLICT(cluster_key, unit_key) DO UPDATE SET facts = facts + 1;
END;
CREATE TRIGGER cluster_units_delete AFTER DELETE ON cluster_facts BEGIN
    UPDATE cluster_units SET facts = facts - 1
    WHERE cluster_key = old.cluster_key AND unit_key = old.unit_key;
    DELETE FROM cluster_units
    WHERE cluster_key = old.cluster_key AND unit_key = old.unit_key AND facts = 0;
END;
-- /setcluster replaces an admin's unit in place (ON CONFLICT ... DO UPDATE): the new pair is
-- counted before the old one is let go, so an unchanged pair never drops to zero.
CREATE TRIGGER cluster_units_update AFTER UPDATE OF cluster_key, unit_key ON cluster_facts
BEGIN
    INSERT INTO cluster_units(cluster_key, unit_key, facts)
    VALUES (new.cluster_key, new.unit_key, 1)
    ON CONFLICT(cluster_key, unit_key) DO UPDATE SET facts = facts + 1;
    UPDATE cluster_units SET facts = facts - 1
    WHERE cluster_key = old.cluster_key AND unit_key = old.unit_key;
    DELETE FROM cluster_units
    WHERE cluster_key = old.cluster_key AND unit_key = old.unit_key AND facts = 0;
END;
