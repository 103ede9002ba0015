-- Moderation of residents' messages: which public replies an operator approved to be
-- shown under their post, the accounts and servers the village blocked, and an index
-- for the hourly intake limits (tickets opened per server and per account).

-- Set while the reply is shown under its post; NULL (the default) means not public.
ALTER TABLE tickets ADD COLUMN approved_at BIGINT;
ALTER TABLE tickets ADD COLUMN approved_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX tickets_approved_by_post ON tickets (source_post_id, approved_at);
CREATE INDEX tickets_by_created ON tickets (created_at);

CREATE TABLE blocks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    -- account | server
    kind       TEXT   NOT NULL,
    -- An account's actor id (https://server/users/name) or a server's host (server[:port]).
    target     TEXT   NOT NULL,
    reason     TEXT   NOT NULL DEFAULT '',
    user_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (kind, target)
);
