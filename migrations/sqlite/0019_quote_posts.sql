-- Quote posts (FEP-044f, as Mastodon 4.5 does them). Who may quote a post is kept with
-- it: 'public' (anyone), 'followers' (the village's followers) or 'nobody' (only the
-- village itself); posts written before this migration are quotable by anyone, the
-- default a new post takes from the site's setting. The words live in the code
-- (store::QuotePolicy).
ALTER TABLE posts ADD COLUMN quote_policy TEXT NOT NULL DEFAULT 'public';

-- A quote of one of our posts that we approved: the QuoteAuthorization served at its
-- own URL (by public_id, which is also the id of the Accept that answered the
-- QuoteRequest). The quoting actor is kept by its id and inbox, not as a row of
-- actors: a stamp must outlive the purge of unused actor copies. Deleting the post
-- revokes its stamps (revoked_at set, a Delete of each sent); a revoked stamp answers 410.
CREATE TABLE quote_authorizations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id     TEXT   NOT NULL UNIQUE,
    post_id       BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    quoting_actor TEXT   NOT NULL,
    quoting_inbox TEXT   NOT NULL,
    quoting_host  TEXT   NOT NULL,
    quote_ap_id   TEXT   NOT NULL,
    request_ap_id TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT,
    UNIQUE (post_id, quote_ap_id)
);
CREATE INDEX quote_authorizations_live ON quote_authorizations (post_id) WHERE revoked_at IS NULL;
