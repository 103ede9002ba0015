-- PostgreSQL notifies the delivery workers of new deliveries (issue 15). A SQLite file
-- has one serving process, which the command line wakes through the data directory's
-- wake socket (src/hosting/mod.rs), so nothing changes here.
SELECT 1;
