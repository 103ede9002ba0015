//! What polling a village's RSS/Atom feed needs from the store beyond ingest itself:
//! the date a feed item was first stored with, so that an item without a date of its own
//! keeps the one it got on the first poll. No HTTP and no parsing here.

use super::{Store, on_pool};
use anyhow::Context;

impl Store {
    /// `published_at` of the village's post stored under `ap_id`, if there is one.
    pub async fn village_post_published_at(
        &self,
        village_id: i64,
        ap_id: &str,
    ) -> anyhow::Result<Option<i64>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT published_at FROM village_posts WHERE ap_id = $1 AND village_id = $2",
            )
            .bind(ap_id)
            .bind(village_id)
            .fetch_optional(pool)
            .await
            .context("reading the date of a village post")?
        }))
    }
}
