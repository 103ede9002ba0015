//! What the portal's timeline needs beyond the page of posts itself: the hashtags of a
//! whole page in one query, so that a page of a hundred posts costs two queries and not
//! a hundred and one. The page comes from `timeline_page` in `villages.rs`.

use super::{Store, on_pool};
use anyhow::Context;

/// More ids than any timeline page holds; a caller asking for more gets several queries
/// rather than one statement over SQLite's parameter limit.
const IDS_PER_QUERY: usize = 500;

impl Store {
    /// `(post id, tag)` of every hashtag of the given village posts, by post then tag.
    pub async fn village_post_tags(&self, post_ids: &[i64]) -> anyhow::Result<Vec<(i64, String)>> {
        let mut tags = Vec::new();
        for ids in post_ids.chunks(IDS_PER_QUERY) {
            // One placeholder per id: SQLite has no array parameters, and the same text
            // then serves PostgreSQL. Only numbered placeholders enter the SQL text.
            let placeholders = (1..=ids.len())
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT post_id, tag FROM village_post_tags WHERE post_id IN ({placeholders}) \
                 ORDER BY post_id, tag"
            );
            let rows: Vec<(i64, String)> = on_pool!(self, pool => {
                let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
                for id in ids {
                    query = query.bind(*id);
                }
                query
                    .fetch_all(pool)
                    .await
                    .context("reading the hashtags of a timeline page")?
            });
            tags.extend(rows);
        }
        Ok(tags)
    }

    /// How PostgreSQL plans the store's prepared statements (`plan_cache_mode` of a
    /// pooled connection; `None` on SQLite). Every connection is opened with
    /// `force_custom_plan` (`Store::connect`): a generic plan of a timeline filter can
    /// read every post of a district.
    pub async fn plan_cache_mode(&self) -> anyhow::Result<Option<String>> {
        match &self.backend {
            super::Backend::Sqlite(_) => Ok(None),
            super::Backend::Postgres(pool) => sqlx::query_scalar("SHOW plan_cache_mode")
                .fetch_one(pool)
                .await
                .context("reading plan_cache_mode")
                .map(Some),
        }
    }
}
