-- Issue 11 (reserved number 0010; renumber at merge): the inbox of incoming updates (webhooks), channel-neutral.
-- A webhook request is answered 200 only once its update is stored here, so a restart loses
-- nothing: a consumer feeds stored updates to the bot and marks them handled; on start the
-- unhandled ones are replayed. (channel, update_key) is unique, so an update delivered twice
-- (the platform retries when our 200 got lost) is stored and handled once.
--   channel:    'telegram', 'zalo', ...
--   update_key: the platform's own id of the update, as text (Telegram: update_id).
--   payload:    the update's JSON, exactly as received.
--   claimed_by / claimed_until: a consumer's lease on a row it is handling (unix time), so
--     several processes can share one inbox: a row whose lease ran out is taken again.
CREATE TABLE inbox (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    update_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_until INTEGER,
    handled_at INTEGER,
    UNIQUE (channel, update_key)
);
-- The consumer reads unhandled rows in arrival order.
CREATE INDEX inbox_unhandled ON inbox(channel, id) WHERE handled_at IS NULL;
-- Handled rows are pruned after a while (long after the platform would redeliver them).
CREATE INDEX inbox_handled ON inbox(handled_at) WHERE handled_at IS NOT NULL;
