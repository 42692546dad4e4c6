-- Issue 14: the distinct (cluster, unit) pairs of cluster_facts, kept by triggers in the
-- transaction that writes the facts: the same table as SQLite's 0017_cluster_units.sql (see
-- there why). Row triggers also fire for copy-db's COPY, which so rebuilds the pairs from the
-- facts it copies.
CREATE TABLE cluster_units (
    cluster_key TEXT COLLATE "C" NOT NULL,
    unit_key TEXT COLLATE "C" NOT NULL,
    facts BIGINT NOT NULL CHECK (facts >= 0),
    PRIMARY KEY (cluster_key, unit_key)
);
-- Facts stored before this version.
INSERT INTO cluster_units(cluster_key, unit_key, facts)
    SELECT cluster_key, unit_key, count(*) FROM cluster_facts GROUP BY cluster_key, unit_key;

-- Counting (rather than "delete the pair when no fact is left", which two transactions
-- deleting a pair's last two facts at once would both miss) serialises on the pair's row: the
-- UPDATE waits for another writer of the pair and counts from its committed count, and the
-- pair goes at zero under that row lock.
CREATE FUNCTION newsbot_count_cluster_unit() RETURNS trigger
LANGUAGE plpgsql AS $count$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO cluster_units(cluster_key, unit_key, facts)
        VALUES (NEW.cluster_key, NEW.unit_key, 1)
        ON CONFLICT (cluster_key, unit_key) DO UPDATE SET facts = cluster_units.facts + 1;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE cluster_units SET facts = facts - 1
        WHERE cluster_key = OLD.cluster_key AND unit_key = OLD.unit_key;
        DELETE FROM cluster_units
        WHERE cluster_key = OLD.cluster_key AND unit_key = OLD.unit_key AND facts = 0;
    END IF;
    RETURN NULL;
END
$count$;

CREATE TRIGGER cluster_units_count AFTER INSERT OR DELETE ON cluster_facts
    FOR EACH ROW EXECUTE FUNCTION newsbot_count_cluster_unit();
CREATE TRIGGER cluster_units_recount AFTER UPDATE OF cluster_key, unit_key ON cluster_facts
    FOR EACH ROW EXECUTE FUNCTION newsbot_count_cluster_unit();
