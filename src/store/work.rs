//! When a site next has work of its own to do, for a hosting node that keeps idle sites
//! closed (docs/adr/0002): the earliest pending delivery (not before its server's hold
//! ends), received activity not yet acted on, or scheduled post.

use super::{Store, on_pool};
use anyhow::Context;

/// Both dialects: each part is the earliest time of one kind of work, NULL for none.
const NEXT_WORK_AT: &str = "SELECT MIN(due) FROM ( \
     SELECT MIN(CASE WHEN h.retry_not_before > d.next_attempt_at \
                     THEN h.retry_not_before ELSE d.next_attempt_at END) AS due \
       FROM deliveries d LEFT JOIN hosts h ON h.host = d.host \
      WHERE d.state = 'pending' \
     UNION ALL SELECT MIN(next_attempt_at) FROM inbox WHERE state = 'pending' \
     UNION ALL SELECT MIN(publish_at) FROM drafts WHERE status = 'scheduled' \
   ) AS work";

impl Store {
    /// The earliest time (Unix ms) at which this site has work due, `None` for none.
    pub async fn next_work_at(&self) -> anyhow::Result<Option<i64>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar::<_, Option<i64>>(NEXT_WORK_AT)
                .fetch_one(pool)
                .await
                .context("reading when the site next has work")?
        }))
    }
}
