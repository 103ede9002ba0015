-- What a national portal's monitoring pages read on every request, at 75,000 villages
-- (issue 15 point 7, docs/benchmarks-portal.md §3).
--
-- The summary (how many villages are aktif, kurang aktif, tidak aktif) is three range
-- counts read from these indexes alone (`Store::village_status_counts`) instead of the
-- status of every village worked out row by row:
--   aktif          active_post_at >= the active bound
--   kurang aktif   last_post_at >= the less-active bound, less those of them aktif
--   tidak aktif    the rest
-- `last_post_at` rides along in the first index so the second term is counted there too.
CREATE INDEX villages_active_post ON villages (active_post_at, last_post_at);
CREATE INDEX villages_last_post ON villages (last_post_at);

-- A search by name compares the lowercased name (the same column as on PostgreSQL,
-- where it is stored; SQLite cannot add a stored generated column to a table, and its
-- `lower()` is cheap). An archive does not carry it: it is made from the name.
ALTER TABLE villages ADD COLUMN name_key TEXT GENERATED ALWAYS AS (lower(name)) VIRTUAL;
