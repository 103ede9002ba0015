-- The regency portal: registered villages (fediverse actors or RSS/Atom feeds), the posts
-- it keeps of them, their hashtags, and the operator's curation (featured, hidden).

CREATE TABLE villages (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    name               TEXT    NOT NULL,
    district           TEXT    NOT NULL DEFAULT '',
    code               TEXT    NOT NULL DEFAULT '',
    source_kind        TEXT    NOT NULL,
    handle             TEXT,
    feed_url           TEXT,
    actor_id           BIGINT REFERENCES actors (id),
    follow_state       TEXT    NOT NULL DEFAULT 'pending',  -- pending, accepted, rejected, unreachable; feed
    follow_ap_id       TEXT,
    follow_attempts    BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at    BIGINT  NOT NULL DEFAULT 0,
    locked_until       BIGINT  NOT NULL DEFAULT 0,
    last_contact_at    BIGINT,
    last_error         TEXT,
    last_error_at      BIGINT,
    accepted_at        BIGINT,
    backfilled_at      BIGINT,
    feed_etag          TEXT,
    feed_last_modified TEXT,
    created_at         BIGINT  NOT NULL
);
CREATE UNIQUE INDEX villages_handle ON villages (handle) WHERE handle IS NOT NULL;
CREATE UNIQUE INDEX villages_feed ON villages (feed_url) WHERE feed_url IS NOT NULL;
CREATE INDEX villages_actor ON villages (actor_id);
CREATE INDEX villages_due ON villages (next_attempt_at);

CREATE TABLE village_posts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    ap_id         TEXT    NOT NULL UNIQUE,
    village_id    BIGINT  NOT NULL REFERENCES villages (id),
    title         TEXT    NOT NULL DEFAULT '',
    summary       TEXT    NOT NULL DEFAULT '',
    content_html  TEXT    NOT NULL DEFAULT '',
    url           TEXT    NOT NULL,
    image_url     TEXT,
    from_feed     BOOLEAN NOT NULL DEFAULT FALSE,
    published_at  BIGINT  NOT NULL,
    updated_at    BIGINT,
    deleted_at    BIGINT,
    received_at   BIGINT  NOT NULL,
    hidden        BOOLEAN NOT NULL DEFAULT FALSE,
    featured      BOOLEAN NOT NULL DEFAULT FALSE,
    announces     BIGINT  NOT NULL DEFAULT 0,
    likes         BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX village_posts_timeline ON village_posts (published_at DESC, id DESC);
CREATE INDEX village_posts_by_village ON village_posts (village_id, published_at DESC, id DESC);

-- Tags keep the village's spelling and the post's `published_at`, so that a tag filter walks
-- one index in timeline order (case-blind, through lower(tag)) whether the tag is rare or common.
CREATE TABLE village_post_tags (
    post_id      BIGINT NOT NULL REFERENCES village_posts (id),
    tag          TEXT   NOT NULL,
    published_at BIGINT NOT NULL,
    PRIMARY KEY (post_id, tag)
);
CREATE INDEX village_post_tags_timeline ON village_post_tags (lower(tag), published_at DESC, post_id DESC);

-- The front page's featured block.
CREATE INDEX village_posts_featured ON village_posts (published_at DESC, id DESC) WHERE featured = TRUE;

CREATE TABLE village_errors (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id BIGINT NOT NULL REFERENCES villages (id),
    at         BIGINT NOT NULL,
    message    TEXT   NOT NULL
);
CREATE INDEX village_errors_recent ON village_errors (village_id, at DESC);
