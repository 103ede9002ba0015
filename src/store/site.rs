//! The website's own data: settings (key and value), categories and static pages.

use super::{BeginWrite, Store, on_pool};
use anyhow::Context;
use sqlx::FromRow;

#[derive(Clone, Debug, FromRow, serde::Serialize)]
pub struct CategoryRecord {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub position: i64,
}

#[derive(Clone, Debug, FromRow, serde::Serialize)]
pub struct PageRecord {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub body_markdown: String,
    pub body_html: String,
    pub position: i64,
    pub updated_at: i64,
}

/// A page to write: its address, title, text as written (Markdown) and as shown.
#[derive(Clone, Copy, Debug)]
pub struct NewPage<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub body_markdown: &'a str,
    pub body_html: &'a str,
    pub position: i64,
}

/// The start of both ways of writing a page; each adds its `ON CONFLICT`.
macro_rules! insert_page {
    () => {
        "INSERT INTO pages (slug, title, body_markdown, body_html, position, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) "
    };
}

impl Store {
    /// The number every write to what the public pages show raises (migration 0025's
    /// triggers, in the writing transaction, whichever process wrote): a page rendered
    /// at a number is still right while the number is the same. `None` when the row is
    /// missing (a database being filled by an import): nothing is then known to be still
    /// right.
    pub async fn content_version(&self) -> anyhow::Result<Option<i64>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT version FROM content_version WHERE id = 1")
                .fetch_optional(pool)
                .await
                .context("reading the content version")?
        }))
    }

    /// Every site setting as (key, value).
    pub async fn site_settings(&self) -> anyhow::Result<Vec<(String, String)>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as("SELECT key, value FROM site_settings ORDER BY key")
                .fetch_all(pool)
                .await
                .context("reading the site settings")?
        }))
    }

    /// Writes several settings at once.
    pub async fn save_site_settings(&self, settings: &[(String, String)]) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            for (key, value) in settings {
                sqlx::query(
                    "INSERT INTO site_settings (key, value) VALUES ($1, $2) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(key)
                .bind(value)
                .execute(&mut *tx)
                .await
                .context("saving a site setting")?;
            }
            tx.commit().await.context("committing the settings")?;
        });
        Ok(())
    }

    pub async fn categories(&self) -> anyhow::Result<Vec<CategoryRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, name, description, position FROM categories ORDER BY position, id",
            )
            .fetch_all(pool)
            .await
            .context("listing categories")?
        }))
    }

    /// Adds a category (or updates its description and position when the name exists).
    pub async fn upsert_category(
        &self,
        name: &str,
        description: &str,
        position: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO categories (name, description, position) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET description = excluded.description, \
                   position = excluded.position",
            )
            .bind(name)
            .bind(description)
            .bind(position)
            .execute(pool)
            .await
            .context("saving a category")?;
        });
        Ok(())
    }

    pub async fn rename_category(&self, id: i64, name: &str) -> anyhow::Result<bool> {
        Ok(on_pool!(self, pool => {
            sqlx::query("UPDATE categories SET name = $2 WHERE id = $1")
                .bind(id)
                .bind(name)
                .execute(pool)
                .await
                .context("renaming a category")?
                .rows_affected() == 1
        }))
    }

    /// Removes a category from the site's list; posts keep it as a hashtag.
    pub async fn delete_category(&self, id: i64) -> anyhow::Result<bool> {
        Ok(on_pool!(self, pool => {
            sqlx::query("DELETE FROM categories WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await
                .context("deleting a category")?
                .rows_affected() == 1
        }))
    }

    pub async fn pages(&self) -> anyhow::Result<Vec<PageRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, slug, title, body_markdown, body_html, position, updated_at \
                 FROM pages ORDER BY position, id",
            )
            .fetch_all(pool)
            .await
            .context("listing pages")?
        }))
    }

    pub async fn page_by_slug(&self, slug: &str) -> anyhow::Result<Option<PageRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, slug, title, body_markdown, body_html, position, updated_at \
                 FROM pages WHERE slug = $1",
            )
            .bind(slug)
            .fetch_optional(pool)
            .await
            .context("reading a page")?
        }))
    }

    /// Creates the page or replaces its title and body.
    pub async fn save_page(
        &self,
        slug: &str,
        title: &str,
        body_markdown: &str,
        body_html: &str,
        position: i64,
        now: i64,
    ) -> anyhow::Result<()> {
        let sql = concat!(
            insert_page!(),
            "ON CONFLICT (slug) DO UPDATE SET title = excluded.title, \
               body_markdown = excluded.body_markdown, body_html = excluded.body_html, \
               position = excluded.position, updated_at = excluded.updated_at"
        );
        let page = NewPage {
            slug,
            title,
            body_markdown,
            body_html,
            position,
        };
        self.write_page(sql, &page, now)
            .await
            .context("saving a page")?;
        Ok(())
    }

    /// Creates the page unless one with its slug exists (whatever that one says now);
    /// `true` when it was created.
    pub async fn add_page_if_missing(&self, page: &NewPage<'_>, now: i64) -> anyhow::Result<bool> {
        let sql = concat!(insert_page!(), "ON CONFLICT (slug) DO NOTHING");
        let added = self
            .write_page(sql, page, now)
            .await
            .context("adding a default page")?;
        Ok(added == 1)
    }

    /// Runs one of the page inserts above; the rows it wrote.
    async fn write_page(
        &self,
        sql: &'static str,
        page: &NewPage<'_>,
        now: i64,
    ) -> Result<u64, sqlx::Error> {
        Ok(on_pool!(self, pool => {
            sqlx::query(sql)
                .bind(page.slug)
                .bind(page.title)
                .bind(page.body_markdown)
                .bind(page.body_html)
                .bind(page.position)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }

    pub async fn delete_page(&self, slug: &str) -> anyhow::Result<bool> {
        Ok(on_pool!(self, pool => {
            sqlx::query("DELETE FROM pages WHERE slug = $1")
                .bind(slug)
                .execute(pool)
                .await
                .context("deleting a page")?
                .rows_affected() == 1
        }))
    }
}
