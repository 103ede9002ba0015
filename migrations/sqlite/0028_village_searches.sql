-- PostgreSQL answers a search of villages by part of a name from a trigram index, and
-- keeps finer statistics of the codes a region filter compares. SQLite reads the names of
-- 75,000 villages and sorts what it found well within a page's time (docs/benchmarks-
-- portal.md §3), and an FTS5 trigram table would add shadow tables that every site
-- archive would carry; its region filter reads the code index without statistics. So
-- nothing changes here.
SELECT 1;
