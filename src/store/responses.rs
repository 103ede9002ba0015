//! Likes, boosts and public replies a local post received (`post_responses`): kept by
//! the inbox worker (`federation::activities`), taken back by an Undo or a Delete, and
//! counted for the post page, the admin and the post's collections. Who may respond,
//! and whether an activity is verified, is decided above; here a person's Like or
//! boost of a post is kept once however often it arrives.

use super::{PostCounts, ResponseKind, Store, on_pool};
use anyhow::Context;

impl Store {
    /// Keeps a response by `actor_id` to `post_id`, named `ap_id` (the Like or Announce
    /// activity, or the reply note). `false` when it was kept already: the same id
    /// again, or a second Like or boost of the post by the same person.
    pub async fn add_post_response(
        &self,
        post_id: i64,
        actor_id: i64,
        kind: ResponseKind,
        ap_id: &str,
        now: i64,
    ) -> anyhow::Result<bool> {
        let added = on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO post_responses (post_id, actor_id, kind, ap_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(post_id)
            .bind(actor_id)
            .bind(kind.as_str())
            .bind(ap_id)
            .bind(now)
            .execute(pool)
            .await
            .context("keeping a response to a post")?
            .rows_affected()
        });
        Ok(added > 0)
    }

    /// Takes back `actor_id`'s responses named `ap_id` (an undone Like or Announce, a
    /// deleted reply), of any of `kinds`; also, when `post_id` is given, that actor's
    /// response of those kinds to that post, whatever id it was kept under (a server
    /// may undo a repeated Like by the id of the repeat, which was not kept). Only the
    /// actor's own rows: an Undo speaks for its actor alone.
    pub async fn remove_post_responses(
        &self,
        actor_id: i64,
        kinds: &[ResponseKind],
        ap_id: &str,
        post_id: Option<i64>,
    ) -> anyhow::Result<u64> {
        let sql = format!(
            "DELETE FROM post_responses WHERE actor_id = $1 AND kind IN {} \
             AND (ap_id = $2 OR post_id = $3)",
            ResponseKind::sql_list(kinds)
        );
        Ok(on_pool!(self, pool => {
            // The kinds' words are the code's own literals (`ResponseKind::sql_list`).
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(actor_id)
                .bind(ap_id)
                // No post: a row id never matches -1.
                .bind(post_id.unwrap_or(-1))
                .execute(pool)
                .await
                .context("taking back a response to a post")?
                .rows_affected()
        }))
    }

    /// How many likes, boosts and public replies a post has.
    pub async fn post_counts(&self, post_id: i64) -> anyhow::Result<PostCounts> {
        let rows: Vec<(String, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT kind, COUNT(*) FROM post_responses WHERE post_id = $1 GROUP BY kind",
            )
            .bind(post_id)
            .fetch_all(pool)
            .await
            .context("counting a post's responses")?
        });
        let mut counts = PostCounts::default();
        for (word, count) in rows {
            match ResponseKind::parse(&word) {
                Some(ResponseKind::Like) => counts.likes = count,
                Some(ResponseKind::Announce) => counts.shares = count,
                Some(ResponseKind::Reply) => counts.replies = count,
                None => {}
            }
        }
        Ok(counts)
    }
}
