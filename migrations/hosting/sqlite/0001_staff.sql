-- The hosting node's own small store (docs/adr/0002 decision 7): the regency's hosting
-- administrators, their sessions and their failed sign-ins, in no village's database.
-- The three tables have exactly the shape of a site's `users`, `sessions` and
-- `login_failures` (migrations 0003, 0010, 0014), so the same account code (`auth`:
-- argon2id, throttling, sessions by token hash) serves both; keep them in step.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    language      TEXT    NOT NULL DEFAULT '',
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT  NOT NULL
);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   TEXT   NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    on_behalf_of TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE login_failures (
    scope           TEXT   NOT NULL,
    username        TEXT   NOT NULL,
    address         TEXT   NOT NULL,
    failures        BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    PRIMARY KEY (scope, username, address)
);
CREATE INDEX login_failures_by_time ON login_failures (last_failure_at);
