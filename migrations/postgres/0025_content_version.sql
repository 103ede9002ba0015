-- Issue 15 point 2: the public pages (home, post pages, feeds, the ActivityPub JSON of
-- posts and of the actor) are kept rendered in memory (web::cache) and served again while
-- nothing they show has changed. "Changed" must be seen by every process that serves the
-- site or writes to it (`kentongan post` beside `serve`, several `serve` on one PostgreSQL),
-- so it is kept here, not in memory: one number, raised in the same transaction as every
-- write to what those pages read, whichever code path or process made it. A server reads
-- it once per request (one row by primary key) and serves its copy only if the number is
-- the one the copy was made at.
--
-- Row triggers (not statement triggers): an UPDATE or DELETE that touches no row (a
-- retention sweep with nothing to do) must not throw every page away. Writes that cannot
-- change a public page are filtered where it is cheap to tell: a remote actor refreshed
-- with the same name, a ticket that is not (and was not) an approved public comment, a
-- user whose shown name did not change.
--
-- What the pages read, and so what raises the number:
--   posts              every post page, lists, feeds, Notes
--   site_settings      name, language, time zone, colours, texts, logo, banner
--   categories, pages  the menu and the profile pages
--   documents          public information (a post may show one)
--   actors             the village's own account (profile, moved_to: a moved site
--                      answers 301); a resident's shown name under an approved comment
--   users              an author's shown name
--   post_responses     likes and boosts, counted on the post page and in its Note
--   tickets, ticket_replies, remote_notes, blocks
--                      the approved comments under a post and the village's answers


CREATE TABLE content_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 1);

-- The table is found on the search_path, as the site's other tables are: a hosted site's
-- schema's own. `OR REPLACE`: a failed import drops its tables but not its functions, and
-- the schema is then migrated again.
CREATE OR REPLACE FUNCTION bump_content_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

-- The tables whose every changed row may change a page.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['posts', 'site_settings', 'categories', 'pages', 'documents',
                             'post_responses', 'ticket_replies', 'blocks'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR DELETE ON %I '
                       'FOR EACH ROW EXECUTE FUNCTION bump_content_version()',
                       t || '_write_version', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I '
                       'FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) '
                       'EXECUTE FUNCTION bump_content_version()',
                       t || '_update_version', t);
    END LOOP;
END;
$$;

-- The tables where only some rows or some changes may.
CREATE TRIGGER actors_insert_version AFTER INSERT ON actors
    FOR EACH ROW WHEN (NEW.is_local)
    EXECUTE FUNCTION bump_content_version();

CREATE TRIGGER actors_update_version AFTER UPDATE ON actors
    FOR EACH ROW WHEN (NEW.is_local AND OLD.* IS DISTINCT FROM NEW.*
        OR NEW.ap_id IS DISTINCT FROM OLD.ap_id OR NEW.name IS DISTINCT FROM OLD.name
        OR NEW.username IS DISTINCT FROM OLD.username OR NEW.host IS DISTINCT FROM OLD.host
        OR NEW.profile_url IS DISTINCT FROM OLD.profile_url)
    EXECUTE FUNCTION bump_content_version();

CREATE TRIGGER actors_delete_version AFTER DELETE ON actors
    FOR EACH ROW EXECUTE FUNCTION bump_content_version();

CREATE TRIGGER users_update_version AFTER UPDATE ON users
    FOR EACH ROW WHEN (NEW.display_name IS DISTINCT FROM OLD.display_name
        OR NEW.username IS DISTINCT FROM OLD.username)
    EXECUTE FUNCTION bump_content_version();

CREATE TRIGGER users_delete_version AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION bump_content_version();

CREATE TRIGGER tickets_insert_version AFTER INSERT ON tickets
    FOR EACH ROW WHEN (NEW.approved_at IS NOT NULL)
    EXECUTE FUNCTION bump_content_version();

CREATE TRIGGER tickets_update_version AFTER UPDATE ON tickets
    FOR EACH ROW WHEN (NEW.approved_at IS DISTINCT FROM OLD.approved_at
        OR (OLD.approved_at IS NOT NULL AND (NEW.is_private IS DISTINCT FROM OLD.is_private
            OR NEW.channel IS DISTINCT FROM OLD.channel
            OR NEW.source_post_id IS DISTINCT FROM OLD.source_post_id
            OR NEW.remote_note_id IS DISTINCT FROM OLD.remote_note_id)))
    EXECUTE FUNCTION bump_content_version();

CREATE TRIGGER tickets_delete_version AFTER DELETE ON tickets
    FOR EACH ROW WHEN (OLD.approved_at IS NOT NULL)
    EXECUTE FUNCTION bump_content_version();

CREATE TRIGGER remote_notes_update_version AFTER UPDATE ON remote_notes
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION bump_content_version();

CREATE TRIGGER remote_notes_delete_version AFTER DELETE ON remote_notes
    FOR EACH ROW EXECUTE FUNCTION bump_content_version();
