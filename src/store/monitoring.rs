//! What the monitoring report needs beyond the village registry: the recent errors of
//! every village and the last failed delivery to each village's server, each in one
//! query for all villages rather than one per village.

use super::{Store, on_pool};
use anyhow::Context;

impl Store {
    /// The newest `per_village` logged errors of every village, as
    /// `(village_id, at, message)`, newest first within a village.
    pub async fn recent_errors_of_villages(
        &self,
        per_village: i64,
    ) -> anyhow::Result<Vec<(i64, i64, String)>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT village_id, at, message FROM ( \
                   SELECT village_id, at, message, id, \
                     ROW_NUMBER() OVER (PARTITION BY village_id ORDER BY at DESC, id DESC) AS n \
                   FROM village_errors) e \
                 WHERE n <= $1 ORDER BY village_id, at DESC, id DESC",
            )
            .bind(per_village)
            .fetch_all(pool)
            .await
            .context("reading recent errors of villages")?
        }))
    }

    /// For each village followed as an actor, the newest delivery to its server that
    /// failed for good or is being retried after an error, as `(village_id, at,
    /// error)`. `at` is when it was given up, or when it was queued if it is still
    /// retried (the time of each attempt is not kept).
    pub async fn last_failed_deliveries_to_villages(
        &self,
    ) -> anyhow::Result<Vec<(i64, i64, String)>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT v.id, d.at, d.last_error \
                 FROM villages v JOIN actors a ON a.id = v.actor_id \
                 JOIN ( \
                   SELECT host, COALESCE(finished_at, created_at) AS at, last_error, \
                     ROW_NUMBER() OVER (PARTITION BY host \
                       ORDER BY COALESCE(finished_at, created_at) DESC, id DESC) AS n \
                   FROM deliveries \
                   WHERE last_error IS NOT NULL \
                     AND (state = 'failed' OR (state = 'pending' AND attempts > 0)) \
                 ) d ON d.host = a.host AND d.n = 1 \
                 ORDER BY v.id",
            )
            .fetch_all(pool)
            .await
            .context("reading failed deliveries to villages")?
        }))
    }
}
