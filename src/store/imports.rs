//! A WordPress site brought in (`hosting::wordpress`): its posts, pages and categories
//! written in ONE transaction with the WordPress id of each (`wordpress_items`), so that
//! the same export imported again adds nothing, and the old site's addresses
//! (`old_addresses`) that the website answers with a 301.
//!
//! An imported post gets its Create activity (the outbox lists it, at its original date)
//! but no delivery row: followers are never sent years-old news as new.

use super::{BeginWrite, NewActivity, PostContent, Store, on_pool};
use anyhow::Context;

/// A WordPress post to write as a post of the site's main account.
#[derive(Clone, Debug)]
pub struct ImportedPost {
    pub wp_id: i64,
    pub public_id: String,
    pub content: PostContent,
    /// Its Create activity, dated at the post's publication.
    pub create: NewActivity,
    /// The old addresses that now lead to it.
    pub old_paths: Vec<String>,
}

/// Where an imported page goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageWrite {
    /// A page of its own, at this position in the list.
    New { position: i64 },
    /// Fills a page of the same address that is still empty (one of the default profile
    /// pages nobody wrote yet); refused if someone wrote it meanwhile.
    FillEmpty { page_id: i64 },
}

/// A WordPress page to write as a profile page.
#[derive(Clone, Debug)]
pub struct ImportedPage {
    pub wp_id: i64,
    pub slug: String,
    pub title: String,
    pub body_markdown: String,
    pub body_html: String,
    pub write: PageWrite,
    pub old_paths: Vec<String>,
}

/// Everything one import writes.
#[derive(Clone, Debug, Default)]
pub struct WordpressImport {
    /// The WordPress site the export came from.
    pub source: String,
    pub posts: Vec<ImportedPost>,
    pub pages: Vec<ImportedPage>,
    /// Categories for the site's list (name, position), added unless one of that name
    /// exists.
    pub categories: Vec<(String, i64)>,
    /// Old addresses of category and tag archives, and where they lead now.
    pub term_addresses: Vec<(String, String)>,
}

/// What an import wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportWritten {
    pub posts: u64,
    pub pages: u64,
    pub categories: u64,
    pub redirects: u64,
    /// WordPress ids found already imported inside the transaction (another import ran
    /// at the same time): not written again.
    pub already: Vec<i64>,
}

/// Inside a transaction `$tx`: remembers a WordPress item unless it is known; evaluates
/// to a future of the new row's id (`None` when it was imported before).
macro_rules! remember_item {
    ($tx:ident, $source:expr, $wp_id:expr, $now:expr) => {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO wordpress_items (source, wp_id, imported_at) VALUES ($1, $2, $3) \
             ON CONFLICT (source, wp_id) DO NOTHING RETURNING id",
        )
        .bind($source)
        .bind($wp_id)
        .bind($now)
        .fetch_optional(&mut *$tx)
    };
}

impl Store {
    /// The WordPress ids of `source` imported before.
    pub async fn imported_wordpress_ids(&self, source: &str) -> anyhow::Result<Vec<i64>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT wp_id FROM wordpress_items WHERE source = $1 ORDER BY wp_id")
                .bind(source)
                .fetch_all(pool)
                .await
                .context("reading the WordPress items imported before")?
        }))
    }

    /// Writes an import whole or not at all: each post with its Create activity (no
    /// deliveries), each page, the categories, the old addresses and the WordPress id
    /// of every item.
    pub async fn import_wordpress(
        &self,
        import: &WordpressImport,
        now: i64,
    ) -> anyhow::Result<ImportWritten> {
        let mut written = ImportWritten::default();
        on_pool!(self, pool => {
            // Every old address and where it leads, written once the items are.
            let mut addresses: Vec<(&String, String)> = Vec::new();
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            for post in &import.posts {
                let item = remember_item!(tx, &import.source, post.wp_id, now)
                    .await
                    .context("remembering a WordPress post")?;
                let Some(item) = item else {
                    written.already.push(post.wp_id);
                    continue;
                };
                let categories = serde_json::to_string(&post.content.categories)
                    .context("encoding categories")?;
                let published_at = post.content.published_at.unwrap_or(now);
                let record = super::posts::insert_post!(
                    tx, &post.public_id, post.create.actor_id, post.content, &categories, now
                )
                .await
                .context("storing an imported post")?;
                super::insert_activity!(tx, post.create, Some(record.id), published_at)
                    .await
                    .context("storing an imported post's Create activity")?;
                sqlx::query("UPDATE wordpress_items SET post_id = $2 WHERE id = $1")
                    .bind(item)
                    .bind(record.id)
                    .execute(&mut *tx)
                    .await
                    .context("remembering what a WordPress post became")?;
                let target = format!("/p/{}", record.public_id);
                addresses.extend(post.old_paths.iter().map(|path| (path, target.clone())));
                written.posts += 1;
            }
            for page in &import.pages {
                let item = remember_item!(tx, &import.source, page.wp_id, now)
                    .await
                    .context("remembering a WordPress page")?;
                let Some(item) = item else {
                    written.already.push(page.wp_id);
                    continue;
                };
                let page_id: Option<i64> = match page.write {
                    PageWrite::New { position } => sqlx::query_scalar(
                        "INSERT INTO pages (slug, title, body_markdown, body_html, position, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(&page.slug)
                    .bind(&page.title)
                    .bind(&page.body_markdown)
                    .bind(&page.body_html)
                    .bind(position)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await
                    .with_context(|| format!("storing the imported page /halaman/{}", page.slug))?,
                    PageWrite::FillEmpty { page_id } => sqlx::query_scalar(
                        "UPDATE pages SET title = $2, body_markdown = $3, body_html = $4, updated_at = $5 \
                         WHERE id = $1 AND body_markdown = '' RETURNING id",
                    )
                    .bind(page_id)
                    .bind(&page.title)
                    .bind(&page.body_markdown)
                    .bind(&page.body_html)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await
                    .with_context(|| format!("filling the page /halaman/{}", page.slug))?,
                };
                let Some(page_id) = page_id else {
                    anyhow::bail!(
                        "the page /halaman/{} was written while the import ran; run the import again",
                        page.slug
                    );
                };
                sqlx::query("UPDATE wordpress_items SET page_id = $2 WHERE id = $1")
                    .bind(item)
                    .bind(page_id)
                    .execute(&mut *tx)
                    .await
                    .context("remembering what a WordPress page became")?;
                let target = format!("/halaman/{}", page.slug);
                addresses.extend(page.old_paths.iter().map(|path| (path, target.clone())));
                written.pages += 1;
            }
            for (name, position) in &import.categories {
                written.categories += sqlx::query(
                    "INSERT INTO categories (name, description, position) VALUES ($1, '', $2) \
                     ON CONFLICT (name) DO NOTHING",
                )
                .bind(name)
                .bind(position)
                .execute(&mut *tx)
                .await
                .context("adding an imported category")?
                .rows_affected();
            }
            addresses.extend(import.term_addresses.iter().map(|(path, target)| (path, target.clone())));
            // The first to name an address keeps it: a post's or page's own address before
            // an archive's, as WordPress answered it.
            for (path, target) in addresses {
                written.redirects += sqlx::query(
                    "INSERT INTO old_addresses (path, target, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (path) DO NOTHING",
                )
                .bind(path)
                .bind(target)
                .bind(now)
                .execute(&mut *tx)
                .await
                .context("storing an old address")?
                .rows_affected();
            }
            tx.commit().await.context("committing the import")?;
        });
        Ok(written)
    }

    /// Where an old address of the site leads now, if it was imported.
    pub async fn old_address(&self, path: &str) -> anyhow::Result<Option<String>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT target FROM old_addresses WHERE path = $1")
                .bind(path)
                .fetch_optional(pool)
                .await
                .context("looking up an old address")?
        }))
    }
}
