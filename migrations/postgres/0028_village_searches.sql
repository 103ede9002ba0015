-- A search of a national portal's monitoring by part of a village's name
-- (`name_key LIKE '%uji 0370%'`) read all 75,000 villages: 19–22 ms of a 30 ms page, and
-- over 50 ms at p99 (issue 15 point 7, docs/benchmarks-portal.md §3). A trigram index
-- (pg_trgm's GIN operator class) answers `LIKE '%…%'` from the index instead; the
-- statement stays the same, and a name every village has still reads them all.
--
-- pg_trgm is in PostgreSQL's contrib (every distribution's package and the managed
-- services have it) and trusted since PostgreSQL 13: a role that may create objects in
-- the database may create it. It goes once per database into `public`, not into a hosted
-- site's schema, so that dropping one site's schema cannot take the operator class away
-- from the others; the index names its schema, so it works whatever the search_path.
-- Where it cannot be created the migration still succeeds and searches read every village
-- as before (docs/scaling.md, "Searching villages by name on PostgreSQL").
DO $migration$
DECLARE
    trigram_schema name;
BEGIN
    SELECT namespace.nspname INTO trigram_schema
      FROM pg_extension extension
      JOIN pg_namespace namespace ON namespace.oid = extension.extnamespace
     WHERE extension.extname = 'pg_trgm';
    IF trigram_schema IS NULL THEN
        BEGIN
            CREATE EXTENSION pg_trgm SCHEMA public;
        EXCEPTION WHEN OTHERS THEN
            -- Another site's migration may have created it meanwhile.
            RAISE NOTICE 'pg_trgm not created here: %', SQLERRM;
        END;
        SELECT namespace.nspname INTO trigram_schema
          FROM pg_extension extension
          JOIN pg_namespace namespace ON namespace.oid = extension.extnamespace
         WHERE extension.extname = 'pg_trgm';
    END IF;
    IF trigram_schema IS NULL THEN
        RAISE NOTICE 'pg_trgm is not available: a search of villages by name reads every village';
        RETURN;
    END IF;
    EXECUTE format(
        'CREATE INDEX villages_name_trigrams ON villages USING gin (name_key %I.gin_trgm_ops)',
        trigram_schema);
END
$migration$;

-- A region (`code LIKE '30.02%'`, a regency's 140 villages at 75,000) was read from the
-- `villages_code` index or, after about one ANALYZE in three, by walking the whole listing
-- in order (0.1 ms against 22): with the default 100 histogram buckets of 750 codes each,
-- a regency's prefix was estimated at 8 villages or at 758 depending on where the sampled
-- bucket bounds fell. With 1,000 buckets every estimate was close in 75 ANALYZEs out of 75.
ALTER TABLE villages ALTER COLUMN code SET STATISTICS 1000;
