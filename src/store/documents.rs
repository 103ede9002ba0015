//! Public-information documents and the posts that announce them. A document, its post
//! and the post's activity and deliveries are written in one transaction, so a public
//! document is never left unannounced and a withdrawn one never left announced.

use super::posts::{insert_post, tombstone_post, update_post};
use super::{BeginWrite, NewActivity, PostContent, Store, on_pool};
use anyhow::Context;
use sqlx::FromRow;

macro_rules! document_columns {
    () => {
        "id, public_id, actor_id, title, description, category, year, doc_type, file_key, \
         file_ext, media_type, size_bytes, post_id, uploaded_by, created_at, updated_at"
    };
}

#[derive(Clone, Debug, FromRow)]
pub struct DocumentRecord {
    pub id: i64,
    pub public_id: String,
    pub actor_id: i64,
    pub title: String,
    pub description: String,
    #[sqlx(try_from = "String")]
    pub category: super::KipCategory,
    pub year: i64,
    pub doc_type: String,
    pub file_key: String,
    pub file_ext: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub post_id: Option<i64>,
    pub uploaded_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub struct NewDocument<'a> {
    pub public_id: &'a str,
    pub actor_id: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub category: super::KipCategory,
    pub year: i64,
    pub doc_type: &'a str,
    pub file_key: &'a str,
    pub file_ext: &'a str,
    pub media_type: &'a str,
    pub size_bytes: i64,
    pub uploaded_by: Option<i64>,
}

pub struct DocumentChange<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub category: super::KipCategory,
    pub year: i64,
    pub doc_type: &'a str,
}

/// A new post announcing a document.
pub struct DocumentPost {
    pub public_id: String,
    pub content: PostContent,
    pub create: NewActivity,
}

/// What a change of a document does to its post.
pub enum PostChange {
    Keep,
    Publish(DocumentPost),
    Update {
        post_id: i64,
        content: PostContent,
        update: NewActivity,
    },
    TakeDown {
        post_id: i64,
        delete: NewActivity,
    },
}

/// Inside a transaction: writes a document's post, its Create and the deliveries;
/// evaluates to the post's id.
macro_rules! announce {
    ($tx:ident, $post:expr, $actor_id:expr, $now:expr) => {{
        let categories =
            serde_json::to_string(&$post.content.categories).context("encoding categories")?;
        let post = insert_post!(
            $tx,
            &$post.public_id,
            $actor_id,
            &$post.content,
            &categories,
            $now
        )
        .await
        .context("storing the document's post")?;
        let activity_id = super::insert_activity!($tx, $post.create, Some(post.id), $now)
            .await
            .context("storing the Create activity")?;
        super::fan_out!($tx, activity_id, $actor_id, $now)
            .await
            .context("queueing deliveries")?;
        post.id
    }};
}

/// Inside a transaction: tombstones a document's post and queues its Delete (nothing if
/// the post was already deleted).
macro_rules! take_down {
    ($tx:ident, $post_id:expr, $delete:expr, $now:expr) => {{
        let actor_id = tombstone_post!($tx, $post_id, $now)
            .await
            .context("deleting the document's post")?;
        if let Some(actor_id) = actor_id {
            let activity_id = super::insert_activity!($tx, $delete, Some($post_id), $now)
                .await
                .context("storing the Delete activity")?;
            super::fan_out!($tx, activity_id, actor_id, $now)
                .await
                .context("queueing deliveries")?;
            super::quotes::revoke_quotes!($tx, $post_id, actor_id, $now);
        }
    }};
}

impl Store {
    /// Keeps a document and, when `post` is given, the post announcing it.
    pub async fn insert_document(
        &self,
        document: &NewDocument<'_>,
        post: Option<&DocumentPost>,
        now: i64,
    ) -> anyhow::Result<DocumentRecord> {
        let sql = concat!(
            "INSERT INTO documents (public_id, actor_id, title, description, category, year, \
               doc_type, file_key, file_ext, media_type, size_bytes, post_id, uploaded_by, \
               created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING ",
            document_columns!()
        );
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            let post_id = match post {
                Some(post) => Some(announce!(tx, post, document.actor_id, now)),
                None => None,
            };
            let record: DocumentRecord = sqlx::query_as(sql)
                .bind(document.public_id)
                .bind(document.actor_id)
                .bind(document.title)
                .bind(document.description)
                .bind(document.category.as_str())
                .bind(document.year)
                .bind(document.doc_type)
                .bind(document.file_key)
                .bind(document.file_ext)
                .bind(document.media_type)
                .bind(document.size_bytes)
                .bind(post_id)
                .bind(document.uploaded_by)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .context("storing the document")?;
            tx.commit().await.context("committing the document")?;
            record
        }))
    }

    /// Changes a document's details and, as `change` says, its post; `None` when the
    /// document is gone.
    pub async fn change_document(
        &self,
        id: i64,
        details: &DocumentChange<'_>,
        change: PostChange,
        now: i64,
    ) -> anyhow::Result<Option<DocumentRecord>> {
        let sql = concat!(
            "UPDATE documents SET title = $2, description = $3, category = $4, year = $5, \
               doc_type = $6, post_id = $7, updated_at = $8 WHERE id = $1 RETURNING ",
            document_columns!()
        );
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            let current: Option<(i64, Option<i64>)> =
                sqlx::query_as("SELECT actor_id, post_id FROM documents WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .context("reading the document")?;
            let Some((actor_id, mut post_id)) = current else {
                return Ok(None);
            };
            match &change {
                PostChange::Keep => {}
                PostChange::Publish(post) => {
                    post_id = Some(announce!(tx, post, actor_id, now));
                }
                PostChange::Update { post_id: updated, content, update } => {
                    let categories = serde_json::to_string(&content.categories)
                        .context("encoding categories")?;
                    let post = update_post!(tx, *updated, content, &categories, now)
                        .await
                        .context("updating the document's post")?;
                    if let Some(post) = post {
                        let activity_id = super::insert_activity!(tx, update, Some(post.id), now)
                            .await
                            .context("storing the Update activity")?;
                        super::fan_out!(tx, activity_id, post.actor_id, now)
                            .await
                            .context("queueing deliveries")?;
                    }
                }
                PostChange::TakeDown { post_id: taken, delete } => {
                    take_down!(tx, *taken, delete, now);
                    post_id = None;
                }
            }
            let record: Option<DocumentRecord> = sqlx::query_as(sql)
                .bind(id)
                .bind(details.title)
                .bind(details.description)
                .bind(details.category.as_str())
                .bind(details.year)
                .bind(details.doc_type)
                .bind(post_id)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await
                .context("changing the document")?;
            tx.commit().await.context("committing the document")?;
            record
        }))
    }

    /// Deletes a document, taking its post down when given; false when it was gone.
    pub async fn delete_document(
        &self,
        id: i64,
        takedown: Option<(i64, NewActivity)>,
        now: i64,
    ) -> anyhow::Result<bool> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            if let Some((post_id, delete)) = &takedown {
                take_down!(tx, *post_id, delete, now);
            }
            let removed = sqlx::query("DELETE FROM documents WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .context("deleting the document")?
                .rows_affected();
            tx.commit().await.context("committing the deletion")?;
            removed == 1
        }))
    }

    /// Whether any document still holds the file of this hash.
    pub async fn document_file_in_use(&self, file_key: &str) -> anyhow::Result<bool> {
        let count: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM documents WHERE file_key = $1")
                .bind(file_key)
                .fetch_one(pool)
                .await
                .context("counting the users of a document file")?
        });
        Ok(count > 0)
    }

    /// Every document, newest year first (the admin's list).
    pub async fn documents(&self) -> anyhow::Result<Vec<DocumentRecord>> {
        let sql = concat!(
            "SELECT ",
            document_columns!(),
            " FROM documents ORDER BY year DESC, created_at DESC, id DESC"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql).fetch_all(pool).await.context("listing documents")?
        }))
    }

    /// The documents anyone may see (never a dikecualikan one), newest year first.
    pub async fn public_documents(&self) -> anyhow::Result<Vec<DocumentRecord>> {
        let sql = concat!(
            "SELECT ",
            document_columns!(),
            " FROM documents WHERE category IN ('berkala', 'serta-merta', 'setiap-saat') \
             ORDER BY year DESC, created_at DESC, id DESC"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql).fetch_all(pool).await.context("listing public documents")?
        }))
    }

    /// (kind, year) of every public document of a required kind (for the checklist).
    pub async fn public_document_years(&self) -> anyhow::Result<Vec<(String, i64)>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT DISTINCT doc_type, year FROM documents \
                 WHERE doc_type <> '' AND category IN ('berkala', 'serta-merta', 'setiap-saat')",
            )
            .fetch_all(pool)
            .await
            .context("listing the years of public documents")?
        }))
    }

    pub async fn document_by_id(&self, id: i64) -> anyhow::Result<Option<DocumentRecord>> {
        let sql = concat!(
            "SELECT ",
            document_columns!(),
            " FROM documents WHERE id = $1"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await.context("reading a document")?
        }))
    }

    pub async fn document_by_public_id(
        &self,
        public_id: &str,
    ) -> anyhow::Result<Option<DocumentRecord>> {
        let sql = concat!(
            "SELECT ",
            document_columns!(),
            " FROM documents WHERE public_id = $1"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(public_id)
                .fetch_optional(pool)
                .await
                .context("reading a document")?
        }))
    }
}
