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
-- (`Store::use_activity_rule`, through `refresh_village_activity`).
ALTER TABLE villages ADD COLUMN last_post_at BIGINT;
ALTER TABLE villages ADD COLUMN active_post_at BIGINT;

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
    active_min_posts BIGINT  NOT NULL
);
INSERT INTO village_activity_rule (id, active_min_posts) VALUES (1, 4);

-- OR REPLACE: a failed site import drops the schema's tables, not its functions, and
-- the next import runs the migrations again.
CREATE OR REPLACE FUNCTION refresh_village_activity(changed BIGINT[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE villages SET
        last_post_at = (SELECT MAX(p.published_at) FROM village_posts p
                        WHERE p.village_id = villages.id AND p.deleted_at IS NULL),
        active_post_at = (SELECT p.published_at FROM village_posts p
                          WHERE p.village_id = villages.id AND p.deleted_at IS NULL
                          ORDER BY p.published_at DESC
                          LIMIT 1 OFFSET (SELECT active_min_posts - 1 FROM village_activity_rule))
    WHERE id = ANY (changed);
$$;

SELECT refresh_village_activity(ARRAY(SELECT id FROM villages));

-- One refresh per statement, for the villages whose posts it touched (a bulk insert of
-- 10,000 posts refreshes each of its villages once). An UPDATE trigger with transition
-- tables cannot name its columns, so it fires on every update (likes, hidden, an edit)
-- and refreshes only where a date, the deletion or the village changed. PostgreSQL
-- compiles the function per trigger, so each reads only the tables its trigger has.
CREATE OR REPLACE FUNCTION village_posts_activity_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM refresh_village_activity(ARRAY(SELECT DISTINCT village_id FROM new_posts));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM refresh_village_activity(ARRAY(SELECT DISTINCT village_id FROM old_posts));
    ELSE
        PERFORM refresh_village_activity(ARRAY(
            SELECT unnest(ARRAY[o.village_id, n.village_id])
            FROM old_posts o JOIN new_posts n ON n.id = o.id
            WHERE (o.published_at, o.deleted_at, o.village_id)
                  IS DISTINCT FROM (n.published_at, n.deleted_at, n.village_id)));
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER village_posts_activity_insert AFTER INSERT ON village_posts
    REFERENCING NEW TABLE AS new_posts
    FOR EACH STATEMENT EXECUTE FUNCTION village_posts_activity_changed();
CREATE TRIGGER village_posts_activity_delete AFTER DELETE ON village_posts
    REFERENCING OLD TABLE AS old_posts
    FOR EACH STATEMENT EXECUTE FUNCTION village_posts_activity_changed();
CREATE TRIGGER village_posts_activity_update AFTER UPDATE ON village_posts
    REFERENCING OLD TABLE AS old_posts NEW TABLE AS new_posts
    FOR EACH STATEMENT EXECUTE FUNCTION village_posts_activity_changed();
