-- The portal's copy of each village's public aspiration figures (issue 5): counts and
-- median times the village publishes at /aspirasi/angka.json, read on each backfill
-- sweep. Aggregates only: no resident's name, contact or message ever reaches here.

CREATE TABLE village_ticket_figures (
    village_id                  BIGINT PRIMARY KEY REFERENCES villages (id),
    open_tickets                BIGINT NOT NULL,
    overdue_tickets             BIGINT NOT NULL,
    received                    BIGINT NOT NULL,
    answered                    BIGINT NOT NULL,
    -- Medians in seconds over the tickets received in the window; NULL when none.
    median_first_response_secs  BIGINT,
    median_answer_secs          BIGINT,
    window_days                 BIGINT NOT NULL,
    -- When the village computed them, and when the portal read them.
    computed_at                 BIGINT NOT NULL,
    fetched_at                  BIGINT NOT NULL
);
