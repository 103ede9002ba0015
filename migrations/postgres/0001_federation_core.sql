-- Actors (local and remote), posts, outgoing activities with their delivery queue,
-- followers, the durable inbox, replies and mentions kept for aspirations, API tokens.
-- Times are Unix milliseconds (BIGINT) in both backends so the SQL text can be shared.

CREATE TABLE actors (
    id               BIGSERIAL PRIMARY KEY,
    ap_id            TEXT    NOT NULL UNIQUE,
    is_local         BOOLEAN NOT NULL,
    kind             TEXT    NOT NULL,
    username         TEXT    NOT NULL,
    host             TEXT    NOT NULL,
    name             TEXT    NOT NULL DEFAULT '',
    summary          TEXT    NOT NULL DEFAULT '',
    icon_url         TEXT,
    profile_url      TEXT,
    inbox_url        TEXT    NOT NULL,
    shared_inbox_url TEXT,
    public_key_pem   TEXT    NOT NULL,
    private_key_pem  TEXT,
    fields_json      TEXT    NOT NULL DEFAULT '[]',
    created_at       BIGINT  NOT NULL,
    refreshed_at     BIGINT  NOT NULL
);
CREATE UNIQUE INDEX actors_local_username ON actors (username) WHERE is_local;

CREATE TABLE posts (
    id            BIGSERIAL PRIMARY KEY,
    public_id     TEXT    NOT NULL UNIQUE,
    actor_id      BIGINT  NOT NULL REFERENCES actors (id),
    title         TEXT    NOT NULL,
    summary       TEXT    NOT NULL DEFAULT '',
    body_markdown TEXT    NOT NULL,
    body_html     TEXT    NOT NULL,
    categories    TEXT    NOT NULL DEFAULT '[]',
    language      TEXT    NOT NULL DEFAULT 'id',
    pinned        BOOLEAN NOT NULL DEFAULT FALSE,
    published_at  BIGINT  NOT NULL,
    updated_at    BIGINT,
    deleted_at    BIGINT
);
CREATE INDEX posts_by_actor ON posts (actor_id, published_at DESC, id DESC);

CREATE TABLE activities (
    id          BIGSERIAL PRIMARY KEY,
    public_id   TEXT   NOT NULL UNIQUE,
    actor_id    BIGINT NOT NULL REFERENCES actors (id),
    kind        TEXT   NOT NULL,
    post_id     BIGINT REFERENCES posts (id),
    object_json TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX activities_by_post ON activities (post_id);

CREATE TABLE follows (
    id              BIGSERIAL PRIMARY KEY,
    local_actor_id  BIGINT NOT NULL REFERENCES actors (id),
    remote_actor_id BIGINT NOT NULL REFERENCES actors (id),
    follow_ap_id    TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    UNIQUE (local_actor_id, remote_actor_id)
);
CREATE INDEX follows_by_remote ON follows (remote_actor_id);

CREATE TABLE deliveries (
    id              BIGSERIAL PRIMARY KEY,
    activity_id     BIGINT NOT NULL REFERENCES activities (id),
    inbox_url       TEXT   NOT NULL,
    host            TEXT   NOT NULL,
    state           TEXT   NOT NULL DEFAULT 'pending',
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT NOT NULL DEFAULT 0,
    last_status     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    finished_at     BIGINT,
    UNIQUE (activity_id, inbox_url)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_by_host ON deliveries (host, state);

CREATE TABLE hosts (
    host                 TEXT    PRIMARY KEY,
    consecutive_failures BIGINT  NOT NULL DEFAULT 0,
    first_failure_at     BIGINT,
    unreachable          BOOLEAN NOT NULL DEFAULT FALSE,
    -- No request to the host before this (Retry-After, or unreachable).
    retry_not_before     BIGINT,
    last_success_at      BIGINT
);

CREATE TABLE inbox (
    id              BIGSERIAL PRIMARY KEY,
    ap_id           TEXT   NOT NULL UNIQUE,
    actor_ap_id     TEXT   NOT NULL,
    kind            TEXT   NOT NULL,
    body            TEXT   NOT NULL,
    state           TEXT   NOT NULL DEFAULT 'pending',
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    received_at     BIGINT NOT NULL
);
CREATE INDEX inbox_due ON inbox (next_attempt_at) WHERE state = 'pending';

CREATE TABLE remote_notes (
    id             BIGSERIAL PRIMARY KEY,
    ap_id          TEXT   NOT NULL UNIQUE,
    actor_id       BIGINT NOT NULL REFERENCES actors (id),
    local_actor_id BIGINT NOT NULL REFERENCES actors (id),
    in_reply_to    TEXT,
    content_html   TEXT   NOT NULL,
    url            TEXT,
    published_at   BIGINT NOT NULL,
    updated_at     BIGINT,
    deleted_at     BIGINT,
    received_at    BIGINT NOT NULL
);
CREATE INDEX remote_notes_by_actor ON remote_notes (actor_id);

CREATE TABLE api_tokens (
    id         BIGSERIAL PRIMARY KEY,
    token_hash TEXT   NOT NULL UNIQUE,
    label      TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
