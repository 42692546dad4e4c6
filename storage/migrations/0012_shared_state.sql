-- Issue 14 (PostgreSQL, several bot processes; numbered 0012, after main's 0011; renumber at
-- merge): what one process kept in memory lives in the database, so that any process can serve
-- it. SQLite gets the same tables, so both backends run one code path.

-- The ranked results of a search, for its page buttons ("sp:<id>:<page>"): any process (a
-- webhook may reach any of them) shows any page. `used` is a counter bumped at each use; only
-- the most recently used searches are kept (bot/chat/search.py).
CREATE TABLE search_results (
    id TEXT PRIMARY KEY,                -- the short random id in the buttons
    channel TEXT NOT NULL,              -- the chat that searched (another chat's press expires)
    chat_id TEXT NOT NULL,
    echo TEXT NOT NULL,                 -- what the user typed, shortened
    ids TEXT NOT NULL,                  -- the ranked article ids, comma-separated
    more INTEGER NOT NULL,              -- further (older) matches were not ranked
    truncated INTEGER NOT NULL,         -- the query had more words than are searched
    used INTEGER NOT NULL
);
CREATE INDEX search_results_used ON search_results(used);

-- A broadcast's progress message: when it was last edited (unix time) and what it showed, so
-- that whichever process runs the progress job next neither floods nor repeats the edit.
ALTER TABLE broadcasts ADD COLUMN progress_edited_at REAL;
ALTER TABLE broadcasts ADD COLUMN progress_shown TEXT;
