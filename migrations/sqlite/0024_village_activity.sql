-- A national portal's monitoring (issue 15 point 7) must not count 90 days of posts on
-- every request. Each village keeps the two dates its status depends on, maintained on
-- every write to its posts (whichever process, command or import writes them):
--   last_post_at   the newest `published_at` of its live posts (kurang aktif while it is
--                  within `less_active_days`);
--   active_post_at the `published_at` of its Nth newest live post, N being
--                  `village_activity_rule.active_min_posts` (aktif while it is within
--                  `active_days`).
-- A status is then these dates against the clock, read at request time, so a village
-- goes inactive as days pass without any write. The portal writes its `active_min_posts`
-- into the rule and recomputes every village when it changes
-- (`Store::use_activity_rule`).
ALTER TABLE villages ADD COLUMN last_post_at INTEGER;
ALTER TABLE villages ADD COLUMN active_post_at INTEGER;

-- What a village's refresh reads: its live posts, newest first, from the index alone
-- (`village_posts_by_village` also holds deleted posts, `village_posts_live_dates` leads
-- with the date).
CREATE INDEX village_posts_live_by_village ON village_posts (village_id, published_at) WHERE deleted_at IS NULL;

-- A district is compared without case (the monitoring's filter, the timeline's district
-- posts): with this index the planner finds its few villages, and knows they are few,
-- instead of walking every post of the timeline in search of theirs.
CREATE INDEX villages_district_lower ON villages (lower(district));

CREATE TABLE village_activity_rule (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    active_min_posts INTEGER NOT NULL
);
INSERT INTO village_activity_rule (id, active_min_posts) VALUES (1, 4);

-- SQLite has no functions to share: inserting ids into this view is the refresh, written
-- once (its INSTEAD OF trigger), which the triggers below and `Store::use_activity_rule`
-- call. IF NOT EXISTS: a failed site import drops the tables, and a view outlives them.
CREATE VIEW IF NOT EXISTS refresh_village_activity (village_id) AS
    SELECT id FROM villages WHERE 0;

CREATE TRIGGER IF NOT EXISTS refresh_village_activity_of INSTEAD OF INSERT
ON refresh_village_activity
BEGIN
    UPDATE villages SET
        last_post_at = (SELECT MAX(p.published_at) FROM village_posts p
                        WHERE p.village_id = villages.id AND p.deleted_at IS NULL),
        active_post_at = (SELECT p.published_at FROM village_posts p
                          WHERE p.village_id = villages.id AND p.deleted_at IS NULL
                          ORDER BY p.published_at DESC
                          LIMIT 1 OFFSET (SELECT active_min_posts - 1 FROM village_activity_rule))
    WHERE id = NEW.village_id;
END;

INSERT INTO refresh_village_activity (village_id) SELECT id FROM villages;

CREATE TRIGGER village_posts_activity_insert AFTER INSERT ON village_posts
BEGIN
    INSERT INTO refresh_village_activity (village_id) VALUES (NEW.village_id);
END;

CREATE TRIGGER village_posts_activity_delete AFTER DELETE ON village_posts
BEGIN
    INSERT INTO refresh_village_activity (village_id) VALUES (OLD.village_id);
END;

CREATE TRIGGER village_posts_activity_update
AFTER UPDATE OF published_at, deleted_at, village_id ON village_posts
BEGIN
    INSERT INTO refresh_village_activity (village_id) VALUES (OLD.village_id);
    INSERT INTO refresh_village_activity (village_id)
        SELECT NEW.village_id WHERE NEW.village_id <> OLD.village_id;
END;
