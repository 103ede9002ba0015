-- A national portal (issue 15 point 7): the monitoring page is paged in the order
-- district, name, id, and every village's status counts its live posts of the last
-- 90 days. The first index gives the page its order; the second holds just what the
-- count reads (a covering index), so it never visits the posts themselves.
CREATE INDEX villages_listing ON villages (district, name, id);
CREATE INDEX village_posts_live_dates ON village_posts (published_at, village_id) WHERE deleted_at IS NULL;
-- The portal worker claims due villages `ORDER BY next_attempt_at, id`: with 75,000
-- villages due at once (a sweep after a start), an index on next_attempt_at alone made
-- every claim of 8 sort all the due villages.
CREATE INDEX villages_due_order ON villages (next_attempt_at, id);
