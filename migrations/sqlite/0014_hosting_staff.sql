-- The regency's hosting staff writing for a village that allowed it (issue 13 point 4,
-- docs/adr/0002 decision 7). The staff sign in on the node's hosting pages, never here;
-- a one-time sign-in made there (`hosting_sign_ins`, by the SHA-256 of its token) opens a
-- session of this village's admin marked with who it is on behalf of, and every post
-- published, edited or deleted in such a session is written down (`on_behalf_writes`):
-- the village's history of what the regency wrote for it.

ALTER TABLE sessions ADD COLUMN on_behalf_of TEXT;

CREATE TABLE hosting_sign_ins (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   TEXT   NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    on_behalf_of TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);

CREATE TABLE on_behalf_writes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id    BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    -- published, updated or deleted.
    action     TEXT   NOT NULL,
    written_by TEXT   NOT NULL,
    written_at BIGINT NOT NULL
);
CREATE INDEX on_behalf_writes_by_post ON on_behalf_writes (post_id);
