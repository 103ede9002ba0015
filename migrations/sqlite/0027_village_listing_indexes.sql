-- Two more pages of a national portal's monitoring that walked every village (issue 15
-- point 7, docs/benchmarks-portal.md §3).
--
-- A region (the start of a Kemendagri code, `code LIKE '30.02%'`) reads its villages from
-- an index instead. SQLite's LIKE ignores ASCII case, so it uses an index only under
-- NOCASE; a code is digits and dots, which NOCASE orders as they are.
CREATE INDEX villages_code ON villages (code COLLATE NOCASE);

-- The listing order carries the two dates a status filter compares, so a page of the
-- aktif villages walks the index alone, in order, without reading the villages.
DROP INDEX villages_listing;
CREATE INDEX villages_listing ON villages (district, name, id, active_post_at, last_post_at);
