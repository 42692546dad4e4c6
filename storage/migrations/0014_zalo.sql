-- Issue 12 (the Zalo channel; reserved 0011, renumbered after the cluster review, the shared
-- state of issue 14 and the readers of issue 13): numbered choices, and a broadcast's audience
-- per channel.
--
-- Zalo has no buttons: where Telegram shows buttons, a Zalo message lists numbered choices and
-- the reader answers with the number. The choices of the latest message with choices in a chat
-- stay valid until the next one (SPEC 5a); they are stored here so a restart keeps them.
-- One row per chat (no foreign key to chats: a chat that never subscribed, e.g. one that only
-- asked /latest, has choices too; /stop deletes the row with the chat).
--   message_id: the platform's id of the message that showed them (the "pressed" message);
--   actions:    a JSON array of the choices' actions, choice n at index n - 1.
CREATE TABLE chat_choices (
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    message_id TEXT,
    actions TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (channel, chat_id)
);

-- A broadcast goes to Telegram, to Zalo, or to both (NULL: every channel, as before).
ALTER TABLE broadcasts ADD COLUMN audience_channel TEXT;
