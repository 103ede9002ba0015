//! Post templates: the ready starts the editor offers ("Mulai dari templat"). Seeded by
//! migration 0012; the admin lists, adds, changes and removes them.

use super::{Store, on_pool};
use anyhow::Context;
use sqlx::FromRow;

#[derive(Clone, Debug, FromRow)]
pub struct PostTemplateRecord {
    pub id: i64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: super::PostKind,
    pub title: String,
    pub summary: String,
    pub body: String,
    /// Category names separated by commas.
    pub categories: String,
    pub event_place: String,
    pub event_organiser: String,
    pub position: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A template to write, already checked by `publishing::templates`.
#[derive(Clone, Copy, Debug)]
pub struct NewPostTemplate<'a> {
    pub name: &'a str,
    pub kind: super::PostKind,
    pub title: &'a str,
    pub summary: &'a str,
    pub body: &'a str,
    pub categories: &'a str,
    pub event_place: &'a str,
    pub event_organiser: &'a str,
    pub position: i64,
}

macro_rules! template_columns {
    () => {
        "id, name, kind, title, summary, body, categories, event_place, event_organiser, \
         position, created_at, updated_at"
    };
}

impl Store {
    /// Every template, in the order the editor offers them.
    pub async fn post_templates(&self) -> anyhow::Result<Vec<PostTemplateRecord>> {
        let sql = concat!(
            "SELECT ",
            template_columns!(),
            " FROM post_templates ORDER BY position, id"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql).fetch_all(pool).await.context("listing post templates")?
        }))
    }

    pub async fn post_template(&self, id: i64) -> anyhow::Result<Option<PostTemplateRecord>> {
        let sql = concat!(
            "SELECT ",
            template_columns!(),
            " FROM post_templates WHERE id = $1"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await.context("reading a post template")?
        }))
    }

    pub async fn insert_post_template(
        &self,
        template: &NewPostTemplate<'_>,
        now: i64,
    ) -> anyhow::Result<PostTemplateRecord> {
        let sql = concat!(
            "INSERT INTO post_templates (name, kind, title, summary, body, categories, \
               event_place, event_organiser, position, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING ",
            template_columns!()
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(template.name)
                .bind(template.kind.as_str())
                .bind(template.title)
                .bind(template.summary)
                .bind(template.body)
                .bind(template.categories)
                .bind(template.event_place)
                .bind(template.event_organiser)
                .bind(template.position)
                .bind(now)
                .fetch_one(pool)
                .await
                .context("adding a post template")?
        }))
    }

    /// `None` when the template is gone.
    pub async fn update_post_template(
        &self,
        id: i64,
        template: &NewPostTemplate<'_>,
        now: i64,
    ) -> anyhow::Result<Option<PostTemplateRecord>> {
        let sql = concat!(
            "UPDATE post_templates SET name = $2, kind = $3, title = $4, summary = $5, \
               body = $6, categories = $7, event_place = $8, event_organiser = $9, \
               position = $10, updated_at = $11 WHERE id = $1 RETURNING ",
            template_columns!()
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(id)
                .bind(template.name)
                .bind(template.kind.as_str())
                .bind(template.title)
                .bind(template.summary)
                .bind(template.body)
                .bind(template.categories)
                .bind(template.event_place)
                .bind(template.event_organiser)
                .bind(template.position)
                .bind(now)
                .fetch_optional(pool)
                .await
                .context("changing a post template")?
        }))
    }

    pub async fn delete_post_template(&self, id: i64) -> anyhow::Result<bool> {
        Ok(on_pool!(self, pool => {
            sqlx::query("DELETE FROM post_templates WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await
                .context("deleting a post template")?
                .rows_affected() == 1
        }))
    }
}
