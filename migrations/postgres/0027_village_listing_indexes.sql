-- Two more pages of a national portal's monitoring that walked every village (issue 15
-- point 7, docs/benchmarks-portal.md §3).
--
-- A region (the start of a Kemendagri code, `code LIKE '30.02%'`) reads its villages from
-- an index instead. `text_pattern_ops` lets the planner turn the prefix into a range
-- whatever the database's collation (the store plans every statement with its values,
-- `plan_cache_mode = force_custom_plan`).
CREATE INDEX villages_code ON villages (code text_pattern_ops);

-- The listing order, district, name, id, compared byte by byte as SQLite does (the store
-- sorts in the "C" collation: `Backend::listing_order`), carrying the two dates a status
-- filter compares. A page of the aktif villages then sorts byte by byte or walks the index
-- alone, in order, instead of sorting every aktif village by the locale's rules on each
-- request (`status=active&page=300` at 75,000 villages, `EXPLAIN ANALYZE`: 25 ms to 8–16).
DROP INDEX villages_listing;
CREATE INDEX villages_listing ON villages (district COLLATE "C", name COLLATE "C", id)
    INCLUDE (active_post_at, last_post_at);
