-- Issue 12 (the Zalo channel): SQLite's 0014_zalo.sql in PostgreSQL's dialect (read it for what
-- the table and the column mean), plus the Zalo throttle's shared rate.

CREATE TABLE chat_choices (
    channel TEXT COLLATE "C" NOT NULL,
    chat_id TEXT COLLATE "C" NOT NULL,
    message_id TEXT COLLATE "C",
    actions TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (channel, chat_id)
);

ALTER TABLE broadcasts ADD COLUMN audience_channel TEXT COLLATE "C";

-- The rate a throttled bot account sends at now (Zalo publishes no rate: every 429 cuts it,
-- quiet time brings it back; bot/zalo/throttle.py), shared by every process sending on the
-- account, so that they slow down and recover together (storage/throttles.py). Times are the
-- server's clock (epoch seconds): `cut_at` the last cut, `changed_at` the last change. `account`
-- is the channel and the bot's public id (never a token). Like `send_rate`, this is running
-- state only PostgreSQL needs (SQLite has one process, whose throttle is in memory): copy-db
-- does not copy it.
CREATE TABLE send_throttle (
    account TEXT COLLATE "C" PRIMARY KEY,
    rate DOUBLE PRECISION NOT NULL,
    cut_at DOUBLE PRECISION NOT NULL,
    changed_at DOUBLE PRECISION NOT NULL
);
