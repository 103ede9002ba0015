-- Storage cannot be filled from outside (issue 11 point 11).
--
-- delivery_totals: what the per-post delivery report counted in delivery rows that the
-- retention worker has since forgotten (finished more than 90 days ago), per activity,
-- so the report shows the same totals after the rows are gone.
--
-- host_quotas: bytes each remote server (and, under the key "(website form)", the
-- website's anonymous form) made the node store in its current window of one day,
-- counted in the transaction that stores them.

CREATE TABLE delivery_totals (
    activity_id BIGINT PRIMARY KEY REFERENCES activities (id),
    delivered   BIGINT NOT NULL DEFAULT 0,
    failed      BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE host_quotas (
    host         TEXT   PRIMARY KEY,
    window_start BIGINT NOT NULL,
    stored_bytes BIGINT NOT NULL
);

-- The retention worker finds what to forget without reading every row.
CREATE INDEX deliveries_finished ON deliveries (finished_at) WHERE state <> 'pending';
CREATE INDEX inbox_processed ON inbox (received_at) WHERE state <> 'pending';
