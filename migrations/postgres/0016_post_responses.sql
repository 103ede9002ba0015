-- What people on the fediverse did with a local post: liked it ('like'), boosted it
-- ('announce') or replied to it publicly ('reply'), one row each, by the verified actor
-- who did it. An Undo of the Like or Announce, or a Delete of the reply, removes the
-- row; the counts on the post page, in the admin and in the post's collections are
-- counts of these rows. A person likes or boosts a post once however often their
-- server says so. The words live in the code (store::ResponseKind).
CREATE TABLE post_responses (
    id         BIGSERIAL PRIMARY KEY,
    post_id    BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    actor_id   BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    kind       TEXT   NOT NULL,
    ap_id      TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (kind, ap_id)
);
CREATE UNIQUE INDEX post_responses_once ON post_responses (post_id, actor_id, kind)
    WHERE kind <> 'reply';
CREATE INDEX post_responses_by_actor ON post_responses (actor_id);
