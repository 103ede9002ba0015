//! Unpublished posts: drafts, posts waiting for an editor's approval, and scheduled
//! posts. They never federate; publishing one turns it into a post and removes the
//! draft in the same transaction (`publish_post` with `from_draft`).

use super::{Store, on_pool};
use anyhow::Context;
use sqlx::FromRow;

#[derive(Clone, Debug, FromRow)]
pub struct DraftRecord {
    pub id: i64,
    pub actor_id: i64,
    pub author_user_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub status: super::DraftStatus,
    pub title: String,
    /// The operator's input (`publishing::PostInput`) as JSON.
    pub input_json: String,
    pub publish_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

macro_rules! draft_columns {
    () => {
        "id, actor_id, author_user_id, status, title, input_json, \
                             publish_at, created_at, updated_at"
    };
}

/// A draft to write.
#[derive(Clone, Copy, Debug)]
pub struct NewDraft<'a> {
    pub actor_id: i64,
    pub author_user_id: Option<i64>,
    pub status: super::DraftStatus,
    pub title: &'a str,
    pub input_json: &'a str,
    pub publish_at: Option<i64>,
}

impl Store {
    pub async fn create_draft(
        &self,
        draft: &NewDraft<'_>,
        now: i64,
    ) -> anyhow::Result<DraftRecord> {
        let sql = concat!(
            "INSERT INTO drafts (actor_id, author_user_id, status, title, input_json, publish_at, \
               created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
             RETURNING ",
            draft_columns!()
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(draft.actor_id)
                .bind(draft.author_user_id)
                .bind(draft.status.as_str())
                .bind(draft.title)
                .bind(draft.input_json)
                .bind(draft.publish_at)
                .bind(now)
                .fetch_one(pool)
                .await
                .context("saving the draft")?
        }))
    }

    pub async fn update_draft(
        &self,
        id: i64,
        status: super::DraftStatus,
        title: &str,
        input_json: &str,
        publish_at: Option<i64>,
        now: i64,
    ) -> anyhow::Result<Option<DraftRecord>> {
        let sql = concat!(
            "UPDATE drafts SET status = $2, title = $3, input_json = $4, publish_at = $5, \
               updated_at = $6 WHERE id = $1 RETURNING ",
            draft_columns!(),
            ""
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(id)
                .bind(status.as_str())
                .bind(title)
                .bind(input_json)
                .bind(publish_at)
                .bind(now)
                .fetch_optional(pool)
                .await
                .context("saving the draft")?
        }))
    }

    pub async fn draft_by_id(&self, id: i64) -> anyhow::Result<Option<DraftRecord>> {
        let sql = concat!("SELECT ", draft_columns!(), " FROM drafts WHERE id = $1");
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await.context("reading a draft")?
        }))
    }

    /// Every draft, most recently changed first.
    pub async fn drafts(&self) -> anyhow::Result<Vec<DraftRecord>> {
        let sql = concat!(
            "SELECT ",
            draft_columns!(),
            " FROM drafts ORDER BY updated_at DESC, id DESC"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql).fetch_all(pool).await.context("listing drafts")?
        }))
    }

    pub async fn delete_draft(&self, id: i64) -> anyhow::Result<bool> {
        Ok(on_pool!(self, pool => {
            sqlx::query("DELETE FROM drafts WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await
                .context("deleting a draft")?
                .rows_affected() == 1
        }))
    }

    /// Scheduled drafts whose time has come, oldest first.
    pub async fn due_scheduled_drafts(
        &self,
        now: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<DraftRecord>> {
        let sql = concat!(
            "SELECT ",
            draft_columns!(),
            " FROM drafts WHERE status = 'scheduled' AND publish_at <= $1 \
             ORDER BY publish_at, id LIMIT $2"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql).bind(now).bind(limit).fetch_all(pool).await.context("listing due drafts")?
        }))
    }

    /// When the next scheduled draft is due, if any.
    pub async fn next_scheduled_at(&self) -> anyhow::Result<Option<i64>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT MIN(publish_at) FROM drafts WHERE status = 'scheduled'")
                .fetch_one(pool)
                .await
                .context("reading the schedule")?
        }))
    }
}
