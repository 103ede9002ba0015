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

CREATE TRIGGER posts_insert_version AFTER INSERT ON posts
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER posts_update_version AFTER UPDATE ON posts
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER posts_delete_version AFTER DELETE ON posts
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER site_settings_insert_version AFTER INSERT ON site_settings
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER site_settings_update_version AFTER UPDATE ON site_settings
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER site_settings_delete_version AFTER DELETE ON site_settings
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER categories_insert_version AFTER INSERT ON categories
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER categories_update_version AFTER UPDATE ON categories
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER categories_delete_version AFTER DELETE ON categories
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER pages_insert_version AFTER INSERT ON pages
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER pages_update_version AFTER UPDATE ON pages
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER pages_delete_version AFTER DELETE ON pages
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER documents_insert_version AFTER INSERT ON documents
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER documents_update_version AFTER UPDATE ON documents
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER documents_delete_version AFTER DELETE ON documents
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER post_responses_insert_version AFTER INSERT ON post_responses
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER post_responses_update_version AFTER UPDATE ON post_responses
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER post_responses_delete_version AFTER DELETE ON post_responses
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER ticket_replies_insert_version AFTER INSERT ON ticket_replies
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER ticket_replies_update_version AFTER UPDATE ON ticket_replies
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER ticket_replies_delete_version AFTER DELETE ON ticket_replies
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER blocks_insert_version AFTER INSERT ON blocks
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER blocks_update_version AFTER UPDATE ON blocks
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER blocks_delete_version AFTER DELETE ON blocks
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER actors_insert_version AFTER INSERT ON actors
    WHEN NEW.is_local
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER actors_update_version AFTER UPDATE ON actors
    WHEN NEW.is_local OR NEW.ap_id IS NOT OLD.ap_id OR NEW.name IS NOT OLD.name
    OR NEW.username IS NOT OLD.username OR NEW.host IS NOT OLD.host
    OR NEW.profile_url IS NOT OLD.profile_url
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER actors_delete_version AFTER DELETE ON actors
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER users_update_version AFTER UPDATE ON users
    WHEN NEW.display_name IS NOT OLD.display_name OR NEW.username IS NOT OLD.username
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER users_delete_version AFTER DELETE ON users
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER tickets_insert_version AFTER INSERT ON tickets
    WHEN NEW.approved_at IS NOT NULL
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER tickets_update_version AFTER UPDATE ON tickets
    WHEN NEW.approved_at IS NOT OLD.approved_at
    OR (OLD.approved_at IS NOT NULL AND (NEW.is_private IS NOT OLD.is_private
        OR NEW.channel IS NOT OLD.channel OR NEW.source_post_id IS NOT OLD.source_post_id
        OR NEW.remote_note_id IS NOT OLD.remote_note_id))
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER tickets_delete_version AFTER DELETE ON tickets
    WHEN OLD.approved_at IS NOT NULL
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER remote_notes_update_version AFTER UPDATE ON remote_notes
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER remote_notes_delete_version AFTER DELETE ON remote_notes
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
