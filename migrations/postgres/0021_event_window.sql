-- When an agenda's event runs, as columns: the village's home page lists the events still
-- to come (or running) with one small indexed query instead of reading the latest agenda
-- posts and their JSON. The end of an event without one is its start plus three hours
-- (`publishing::input::event::WITHOUT_END_MS`). `event_json` is only ever written by the
-- node (serde), so it reads as JSON.
ALTER TABLE posts ADD COLUMN event_starts_at BIGINT;
ALTER TABLE posts ADD COLUMN event_ends_at BIGINT;
UPDATE posts
   SET event_starts_at = (event_json::jsonb ->> 'starts_at')::bigint,
       event_ends_at = COALESCE((event_json::jsonb ->> 'ends_at')::bigint,
                                (event_json::jsonb ->> 'starts_at')::bigint + 10800000)
 WHERE kind = 'agenda' AND deleted_at IS NULL AND event_json IS NOT NULL;
CREATE INDEX posts_coming_events ON posts (actor_id, event_ends_at)
    WHERE event_ends_at IS NOT NULL AND deleted_at IS NULL;
