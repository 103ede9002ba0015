-- When an agenda's event runs, as columns: the village's home page lists the events still
-- to come (or running) with one small indexed query instead of reading the latest agenda
-- posts and their JSON. The end of an event without one is its start plus three hours
-- (`publishing::input::event::WITHOUT_END_MS`).
ALTER TABLE posts ADD COLUMN event_starts_at BIGINT;
ALTER TABLE posts ADD COLUMN event_ends_at BIGINT;
UPDATE posts
   SET event_starts_at = json_extract(event_json, '$.starts_at'),
       event_ends_at = COALESCE(json_extract(event_json, '$.ends_at'),
                                json_extract(event_json, '$.starts_at') + 10800000)
 WHERE kind = 'agenda' AND deleted_at IS NULL AND json_valid(event_json);
CREATE INDEX posts_coming_events ON posts (actor_id, event_ends_at)
    WHERE event_ends_at IS NOT NULL AND deleted_at IS NULL;
