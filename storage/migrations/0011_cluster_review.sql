-- Issue 16 (phase 2): the admins' review of unsure cluster candidates (SPEC 13) and the
-- step-by-step /setcluster dialog. Reserved as 0011: renumber at merge so that it follows every
-- migration main has by then. Portable SQL (SQLite and PostgreSQL).

-- How far the admins have been told about new questions: every pending candidate with an id up
-- to announced_id has been announced ("N câu hỏi mới về cụm thi đua"). Starts at 0, so the
-- questions an upgraded database already holds are announced once.
CREATE TABLE cluster_review (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    announced_id INTEGER NOT NULL
);
INSERT INTO cluster_review(id, announced_id) VALUES (1, 0);

-- The question last put to each admin (channel, the channel's user id) and when; an admin whose
-- question is still unanswered is not announced new ones more than once a day (no flood), and
-- the next question follows each answer.
CREATE TABLE cluster_review_asks (
    channel TEXT NOT NULL,
    user_id TEXT NOT NULL,
    candidate_id INTEGER NOT NULL,
    asked_at INTEGER NOT NULL,
    PRIMARY KEY (channel, user_id)
);

-- An open /setcluster dialog, one per chat (a restart keeps it; a new command or an hour without
-- an answer ends it). user_id: the admin who opened it (only their answers count). step: what is
-- asked now. The fields chosen so far (or prefilled from a candidate being corrected:
-- candidate_id); unit '' means "nobody", NULL not chosen yet.
CREATE TABLE cluster_dialogs (
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    step TEXT NOT NULL CHECK (step IN ('year', 'cluster', 'role', 'unit', 'confirm')),
    year INTEGER,
    cluster_key TEXT,
    cluster TEXT,
    role TEXT CHECK (role IN ('leader', 'deputy')),
    unit TEXT,
    candidate_id INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (channel, chat_id)
);
