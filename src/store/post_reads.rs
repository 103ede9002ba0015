//! Reads of a node's own posts for its website and admin: by category, by text, by
//! month, for the sitemap, and the per-post delivery report. A village has thousands of
//! posts, not millions, so simple scans with a LIMIT are enough here; the portal's
//! timeline (millions of posts) has its own indexed queries in `timeline.rs`.

use super::posts::post_columns;
use super::{PostRecord, Store, on_pool};
use anyhow::Context;
use sqlx::FromRow;

/// A post's place in the sitemap.
#[derive(Clone, Debug, FromRow)]
pub struct PostStamp {
    pub public_id: String,
    pub published_at: i64,
    pub updated_at: Option<i64>,
}

/// Where one activity of a post went: one row per receiving server's inbox.
#[derive(Clone, Debug, FromRow)]
pub struct DeliveryReportRow {
    #[sqlx(try_from = "String")]
    pub activity_kind: super::ActivityKind,
    pub host: String,
    pub inbox_url: String,
    #[sqlx(try_from = "String")]
    pub state: super::DeliveryState,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: i64,
    pub finished_at: Option<i64>,
}

/// Deliveries of one activity of a post that the retention worker forgot after counting
/// them (finished more than 90 days ago): the report adds them to the rows it still has.
#[derive(Clone, Debug, FromRow)]
pub struct FoldedDeliveries {
    #[sqlx(try_from = "String")]
    pub activity_kind: super::ActivityKind,
    pub delivered: i64,
    pub failed: i64,
}

/// `%`, `_` and `\` taken literally in a LIKE pattern (with `ESCAPE '\'`).
fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Store {
    /// Live posts of an actor in one category (case-insensitive), newest first, before
    /// the keyset cursor when one is given.
    pub async fn posts_in_category(
        &self,
        actor_id: i64,
        category: &str,
        before: Option<(i64, i64)>,
        limit: i64,
    ) -> anyhow::Result<Vec<PostRecord>> {
        let (before_at, before_id) = before.unwrap_or((i64::MAX, i64::MAX));
        // Category names are letters, digits and `_` only, so the quoted name inside
        // the JSON list is unambiguous.
        let pattern = format!("%\"{}\"%", like_literal(&category.to_lowercase()));
        let sql = concat!(
            "SELECT ",
            post_columns!(),
            " FROM posts \
             WHERE actor_id = $1 AND deleted_at IS NULL AND LOWER(categories) LIKE $2 ESCAPE '\\' \
               AND (published_at < $3 OR (published_at = $3 AND id < $4)) \
             ORDER BY published_at DESC, id DESC LIMIT $5"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(actor_id)
                .bind(&pattern)
                .bind(before_at)
                .bind(before_id)
                .bind(limit)
                .fetch_all(pool)
                .await
                .context("listing a category")?
        }))
    }

    /// Live posts of an actor whose title, summary or body contains every word of
    /// `words` (case-insensitive), newest first.
    pub async fn search_posts(
        &self,
        actor_id: i64,
        words: &[String],
        limit: i64,
    ) -> anyhow::Result<Vec<PostRecord>> {
        let mut sql = format!(
            "SELECT {} FROM posts WHERE actor_id = $1 AND deleted_at IS NULL",
            post_columns!()
        );
        for n in 0..words.len() {
            let p = n + 2;
            sql.push_str(&format!(
                " AND (LOWER(title) LIKE ${p} ESCAPE '\\' OR LOWER(summary) LIKE ${p} ESCAPE '\\' \
                 OR LOWER(body_markdown) LIKE ${p} ESCAPE '\\')"
            ));
        }
        sql.push_str(&format!(
            " ORDER BY published_at DESC, id DESC LIMIT ${}",
            words.len() + 2
        ));
        let patterns: Vec<String> = words
            .iter()
            .map(|w| format!("%{}%", like_literal(&w.to_lowercase())))
            .collect();
        Ok(on_pool!(self, pool => {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(actor_id);
            for pattern in &patterns {
                query = query.bind(pattern);
            }
            query.bind(limit).fetch_all(pool).await.context("searching posts")?
        }))
    }

    /// Live posts of an actor published in `[from, to)`, newest first.
    pub async fn posts_between(
        &self,
        actor_id: i64,
        from: i64,
        to: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<PostRecord>> {
        let sql = concat!(
            "SELECT ",
            post_columns!(),
            " FROM posts WHERE actor_id = $1 AND deleted_at IS NULL \
               AND published_at >= $2 AND published_at < $3 \
             ORDER BY published_at DESC, id DESC LIMIT $4"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(actor_id)
                .bind(from)
                .bind(to)
                .bind(limit)
                .fetch_all(pool)
                .await
                .context("listing posts of a period")?
        }))
    }

    /// Id and dates of every live post of an actor, newest first (sitemap, archive).
    pub async fn post_stamps(&self, actor_id: i64) -> anyhow::Result<Vec<PostStamp>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT public_id, published_at, updated_at FROM posts \
                 WHERE actor_id = $1 AND deleted_at IS NULL ORDER BY published_at DESC, id DESC",
            )
            .bind(actor_id)
            .fetch_all(pool)
            .await
            .context("listing post dates")?
        }))
    }

    /// The actor's agenda posts whose event is still to come or running at `now`,
    /// soonest first (index `posts_coming_events`).
    pub async fn coming_events(
        &self,
        actor_id: i64,
        now: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<PostRecord>> {
        let sql = concat!(
            "SELECT ",
            post_columns!(),
            " FROM posts WHERE actor_id = $1 AND event_ends_at > $2 AND deleted_at IS NULL \
             ORDER BY event_starts_at, id LIMIT $3"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(actor_id)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await
                .context("listing the coming events")?
        }))
    }

    /// Every delivery of every activity about a post, oldest activity first.
    pub async fn delivery_report(&self, post_id: i64) -> anyhow::Result<Vec<DeliveryReportRow>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT a.kind AS activity_kind, d.host, d.inbox_url, d.state, d.attempts, \
                        d.last_status, d.last_error, d.next_attempt_at, d.finished_at \
                 FROM deliveries d JOIN activities a ON a.id = d.activity_id \
                 WHERE a.post_id = $1 ORDER BY a.id, d.host, d.inbox_url",
            )
            .bind(post_id)
            .fetch_all(pool)
            .await
            .context("reading the delivery report")?
        }))
    }

    /// The folded delivery counts of every activity about a post, oldest activity first.
    pub async fn folded_deliveries(&self, post_id: i64) -> anyhow::Result<Vec<FoldedDeliveries>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT a.kind AS activity_kind, t.delivered, t.failed \
                 FROM delivery_totals t JOIN activities a ON a.id = t.activity_id \
                 WHERE a.post_id = $1 ORDER BY a.id",
            )
            .bind(post_id)
            .fetch_all(pool)
            .await
            .context("reading the folded delivery counts")?
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::like_literal;

    #[test]
    fn like_wildcards_are_taken_literally() {
        assert_eq!(like_literal("50%_a\\b"), "50\\%\\_a\\\\b");
    }
}
