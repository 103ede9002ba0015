-- The village website and its admin: richer posts (kind, agenda details, images, pin
-- end date, author), site settings, admin users and their sessions, categories, static
-- pages and unpublished drafts. Drafts live apart from `posts` so that nothing that
-- federates or renders a post can ever see one.

ALTER TABLE posts ADD COLUMN kind TEXT NOT NULL DEFAULT 'berita';
ALTER TABLE posts ADD COLUMN pinned_until BIGINT;
ALTER TABLE posts ADD COLUMN event_json TEXT;
ALTER TABLE posts ADD COLUMN images_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE posts ADD COLUMN author_user_id BIGINT;

CREATE TABLE site_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    language      TEXT    NOT NULL DEFAULT '',
    failed_logins BIGINT  NOT NULL DEFAULT 0,
    locked_until  BIGINT  NOT NULL DEFAULT 0,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT  NOT NULL
);

CREATE TABLE sessions (
    id           BIGSERIAL PRIMARY KEY,
    token_hash   TEXT   NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE categories (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT   NOT NULL UNIQUE,
    description TEXT   NOT NULL DEFAULT '',
    position    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE pages (
    id            BIGSERIAL PRIMARY KEY,
    slug          TEXT   NOT NULL UNIQUE,
    title         TEXT   NOT NULL,
    body_markdown TEXT   NOT NULL DEFAULT '',
    body_html     TEXT   NOT NULL DEFAULT '',
    position      BIGINT NOT NULL DEFAULT 0,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE drafts (
    id             BIGSERIAL PRIMARY KEY,
    actor_id       BIGINT NOT NULL REFERENCES actors (id),
    author_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- draft (being written), review (waiting for an editor) or scheduled.
    status         TEXT   NOT NULL,
    title          TEXT   NOT NULL,
    input_json     TEXT   NOT NULL,
    publish_at     BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX drafts_due ON drafts (publish_at) WHERE status = 'scheduled';
