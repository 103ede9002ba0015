//! Posts and the activities that announce them. Every change to a post writes its
//! activity and one delivery row per follower inbox in the same transaction.

use super::BeginWrite;
use super::{ActivityRecord, NewActivity, PostContent, PostRecord, Store, on_pool};
use anyhow::Context;

/// The columns of a [`PostRecord`], in its field order.
macro_rules! post_columns {
    () => {
        "id, public_id, actor_id, title, summary, body_markdown, body_html, \
     categories, language, pinned, published_at, updated_at, deleted_at, \
     kind, pinned_until, event_json, images_json, author_user_id, document_json, quote_policy"
    };
}
pub(super) use post_columns;

/// Inside a transaction `$tx`: writes a new post (`&PostContent`, its categories already
/// encoded as JSON); evaluates to a future of its `PostRecord`.
macro_rules! insert_post {
    ($tx:ident, $public_id:expr, $actor_id:expr, $content:expr, $categories:expr, $now:expr) => {
        sqlx::query_as::<_, $crate::store::PostRecord>(concat!(
            "INSERT INTO posts (public_id, actor_id, title, summary, body_markdown, body_html, \
               categories, language, pinned, published_at, \
               kind, pinned_until, event_json, images_json, author_user_id, document_json, \
               quote_policy, event_starts_at, event_ends_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
               $18, $19) \
             RETURNING ",
            $crate::store::posts::post_columns!()
        ))
        .bind($public_id)
        .bind($actor_id)
        .bind(&$content.title)
        .bind(&$content.summary)
        .bind(&$content.body_markdown)
        .bind(&$content.body_html)
        .bind($categories)
        .bind(&$content.language)
        .bind($content.pinned)
        .bind($content.published_at.unwrap_or($now))
        .bind($content.kind.as_str())
        .bind($content.pinned_until)
        .bind(&$content.event_json)
        .bind(&$content.images_json)
        .bind($content.author_user_id)
        .bind(&$content.document_json)
        .bind($content.quote_policy.as_str())
        .bind($content.event_window.map(|(starts, _)| starts))
        .bind($content.event_window.map(|(_, ends)| ends))
        .fetch_one(&mut *$tx)
    };
}
pub(super) use insert_post;

/// Inside a transaction `$tx`: replaces a live post's content (a `None` document keeps
/// the one it has); evaluates to a future of the `PostRecord`, `None` if it was deleted.
macro_rules! update_post {
    ($tx:ident, $post_id:expr, $content:expr, $categories:expr, $now:expr) => {
        sqlx::query_as::<_, $crate::store::PostRecord>(concat!(
            "UPDATE posts SET title = $2, summary = $3, body_markdown = $4, body_html = $5, \
               categories = $6, language = $7, pinned = $8, updated_at = $9, \
               kind = $10, pinned_until = $11, event_json = $12, images_json = $13, \
               document_json = COALESCE($14, document_json), quote_policy = $15, \
               event_starts_at = $16, event_ends_at = $17 \
             WHERE id = $1 AND deleted_at IS NULL RETURNING ",
            $crate::store::posts::post_columns!()
        ))
        .bind($post_id)
        .bind(&$content.title)
        .bind(&$content.summary)
        .bind(&$content.body_markdown)
        .bind(&$content.body_html)
        .bind($categories)
        .bind(&$content.language)
        .bind($content.pinned)
        .bind($now)
        .bind($content.kind.as_str())
        .bind($content.pinned_until)
        .bind(&$content.event_json)
        .bind(&$content.images_json)
        .bind(&$content.document_json)
        .bind($content.quote_policy.as_str())
        .bind($content.event_window.map(|(starts, _)| starts))
        .bind($content.event_window.map(|(_, ends)| ends))
        .fetch_optional(&mut *$tx)
    };
}
pub(super) use update_post;

/// Inside a transaction `$tx`: turns a live post into a tombstone; evaluates to a future
/// of its actor's id, `None` if it was already deleted.
macro_rules! tombstone_post {
    ($tx:ident, $post_id:expr, $now:expr) => {
        sqlx::query_scalar::<_, i64>(
            "UPDATE posts SET title = '', summary = '', body_markdown = '', body_html = '', \
               categories = '[]', pinned = FALSE, event_json = NULL, images_json = '[]', \
               document_json = NULL, event_starts_at = NULL, event_ends_at = NULL, \
               deleted_at = $2 \
             WHERE id = $1 AND deleted_at IS NULL RETURNING actor_id",
        )
        .bind($post_id)
        .bind($now)
        .fetch_optional(&mut *$tx)
    };
}
pub(super) use tombstone_post;

impl Store {
    /// Writes a new post, its Create activity and the deliveries to every follower inbox;
    /// with `from_draft`, also removes that draft (and fails if it is already gone); with
    /// `content.on_behalf_of`, the line of the village's history that says the regency
    /// wrote it.
    pub async fn publish_post(
        &self,
        public_id: &str,
        actor_id: i64,
        content: &PostContent,
        create: &NewActivity,
        from_draft: Option<i64>,
        now: i64,
    ) -> anyhow::Result<PostRecord> {
        let categories =
            serde_json::to_string(&content.categories).context("encoding categories")?;
        let post = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            let post = insert_post!(tx, public_id, actor_id, content, &categories, now)
                .await
                .context("storing the post")?;
            if let Some(draft_id) = from_draft {
                // Whoever removes the draft publishes it: a scheduled post and an
                // editor's click at the same moment cannot publish it twice.
                let removed = sqlx::query("DELETE FROM drafts WHERE id = $1")
                    .bind(draft_id)
                    .execute(&mut *tx)
                    .await
                    .context("removing the draft")?
                    .rows_affected();
                if removed != 1 {
                    anyhow::bail!("the draft was already published or deleted");
                }
            }
            let activity_id = super::insert_activity!(tx, create, Some(post.id), now)
                .await
                .context("storing the Create activity")?;
            super::fan_out!(tx, activity_id, actor_id, now)
                .await
                .context("queueing deliveries")?;
            if let Some(by) = &content.on_behalf_of {
                super::hosting_staff::insert_on_behalf_write!(tx, post.id, "published", by, now)
                    .await
                    .context("recording a post published on the village's behalf")?;
            }
            tx.commit().await.context("committing the post")?;
            post
        });
        Ok(post)
    }

    /// Replaces a post's content and queues its Update (and, with `content.on_behalf_of`,
    /// its line of the village's history).
    pub async fn edit_post(
        &self,
        post_id: i64,
        content: &PostContent,
        update: &NewActivity,
        now: i64,
    ) -> anyhow::Result<PostRecord> {
        let categories =
            serde_json::to_string(&content.categories).context("encoding categories")?;
        let post = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            let post = update_post!(tx, post_id, content, &categories, now)
                .await
                .context("updating the post")?;
            let Some(post) = post else {
                anyhow::bail!("the post was deleted");
            };
            let activity_id = super::insert_activity!(tx, update, Some(post.id), now)
                .await
                .context("storing the Update activity")?;
            super::fan_out!(tx, activity_id, post.actor_id, now)
                .await
                .context("queueing deliveries")?;
            if let Some(by) = &content.on_behalf_of {
                super::hosting_staff::insert_on_behalf_write!(tx, post.id, "updated", by, now)
                    .await
                    .context("recording a post edited on the village's behalf")?;
            }
            tx.commit().await.context("committing the edit")?;
            post
        });
        Ok(post)
    }

    /// Turns a post into a tombstone (its id stays taken forever) and queues its Delete
    /// (and, with `on_behalf_of`, its line of the village's history).
    pub async fn delete_post(
        &self,
        post_id: i64,
        delete: &NewActivity,
        on_behalf_of: Option<&str>,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            let actor_id = tombstone_post!(tx, post_id, now)
                .await
                .context("deleting the post")?;
            let Some(actor_id) = actor_id else {
                anyhow::bail!("the post was already deleted");
            };
            let activity_id = super::insert_activity!(tx, delete, Some(post_id), now)
                .await
                .context("storing the Delete activity")?;
            super::fan_out!(tx, activity_id, actor_id, now)
                .await
                .context("queueing deliveries")?;
            super::quotes::revoke_quotes!(tx, post_id, actor_id, now);
            if let Some(by) = on_behalf_of {
                super::hosting_staff::insert_on_behalf_write!(tx, post_id, "deleted", by, now)
                    .await
                    .context("recording a post deleted on the village's behalf")?;
            }
            tx.commit().await.context("committing the deletion")?;
        });
        Ok(())
    }

    pub async fn post_by_public_id(&self, public_id: &str) -> anyhow::Result<Option<PostRecord>> {
        let sql = concat!(
            "SELECT ",
            post_columns!(),
            " FROM posts WHERE public_id = $1"
        );
        let post: Option<PostRecord> = on_pool!(self, pool => {
            sqlx::query_as(sql).bind(public_id).fetch_optional(pool).await.context("reading a post")?
        });
        self.with_first_replies(post).await
    }

    /// One post as it is rendered: with the first page of its approved replies and its
    /// counts of likes, boosts and replies, which its
    /// Note embeds (also in the activities the delivery worker sends).
    async fn with_first_replies(
        &self,
        post: Option<PostRecord>,
    ) -> anyhow::Result<Option<PostRecord>> {
        let Some(mut post) = post else {
            return Ok(None);
        };
        if post.deleted_at.is_none() {
            post.replies = self.approved_reply_page(post.id, 1).await?;
            post.counts = self.post_counts(post.id).await?;
        }
        Ok(Some(post))
    }

    pub async fn post_by_id(&self, id: i64) -> anyhow::Result<Option<PostRecord>> {
        let sql = concat!("SELECT ", post_columns!(), " FROM posts WHERE id = $1");
        let post: Option<PostRecord> = on_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await.context("reading a post")?
        });
        self.with_first_replies(post).await
    }

    /// Live posts of an actor, newest first, strictly before the `(published_at, id)`
    /// cursor when one is given (keyset paging).
    pub async fn posts_page(
        &self,
        actor_id: i64,
        before: Option<(i64, i64)>,
        limit: i64,
    ) -> anyhow::Result<Vec<PostRecord>> {
        let (before_at, before_id) = before.unwrap_or((i64::MAX, i64::MAX));
        let sql = concat!(
            "SELECT ",
            post_columns!(),
            " FROM posts \
             WHERE actor_id = $1 AND deleted_at IS NULL \
               AND (published_at < $2 OR (published_at = $2 AND id < $3)) \
             ORDER BY published_at DESC, id DESC LIMIT $4"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(actor_id)
                .bind(before_at)
                .bind(before_id)
                .bind(limit)
                .fetch_all(pool)
                .await
                .context("listing posts")?
        }))
    }

    pub async fn count_live_posts(&self, actor_id: i64) -> anyhow::Result<i64> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM posts WHERE actor_id = $1 AND deleted_at IS NULL")
                .bind(actor_id)
                .fetch_one(pool)
                .await
                .context("counting posts")?
        }))
    }

    pub async fn count_all_live_posts(&self) -> anyhow::Result<i64> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM posts p JOIN actors a ON a.id = p.actor_id \
                 WHERE a.is_local = TRUE AND p.deleted_at IS NULL",
            )
            .fetch_one(pool)
            .await
            .context("counting posts")?
        }))
    }

    /// Posts pinned at `now` (their end date, if any, not reached), newest first.
    pub async fn pinned_posts(&self, actor_id: i64, now: i64) -> anyhow::Result<Vec<PostRecord>> {
        let sql = concat!(
            "SELECT ",
            post_columns!(),
            " FROM posts WHERE actor_id = $1 AND pinned = TRUE \
             AND (pinned_until IS NULL OR pinned_until > $2) \
             AND deleted_at IS NULL ORDER BY published_at DESC, id DESC LIMIT 20"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(actor_id)
                .bind(now)
                .fetch_all(pool)
                .await
                .context("listing pinned posts")?
        }))
    }

    pub async fn activity_by_public_id(
        &self,
        public_id: &str,
    ) -> anyhow::Result<Option<ActivityRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, public_id, actor_id, kind, post_id, object_json, created_at \
                 FROM activities WHERE public_id = $1",
            )
            .bind(public_id)
            .fetch_optional(pool)
            .await
            .context("reading an activity")?
        }))
    }

    pub async fn activity_by_id(&self, id: i64) -> anyhow::Result<Option<ActivityRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, public_id, actor_id, kind, post_id, object_json, created_at \
                 FROM activities WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
            .context("reading an activity")?
        }))
    }

    /// The Create activity of a post (what the outbox lists for it).
    pub async fn create_activity_of_post(
        &self,
        post_id: i64,
    ) -> anyhow::Result<Option<ActivityRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, public_id, actor_id, kind, post_id, object_json, created_at \
                 FROM activities WHERE post_id = $1 AND kind = 'Create' ORDER BY id LIMIT 1",
            )
            .bind(post_id)
            .fetch_optional(pool)
            .await
            .context("reading a Create activity")?
        }))
    }
}
