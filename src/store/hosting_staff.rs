//! The regency's hosting staff (issue 13 point 4, docs/adr/0002 decision 7), in SQL.
//!
//! [`HostingStore`] is the node's own small database (`hosting.db` at the data
//! directory's root, or the schema `hosting` of the node's PostgreSQL database), holding
//! the hosting administrators, their sessions and failed sign-ins in no village's
//! database. Its tables have the shape of a site's account tables, so `auth` works on it
//! unchanged through [`HostingStore::accounts`].
//!
//! On a village's own [`Store`]: the one-time sign-ins the hosting pages hand out, the
//! history of posts written on the village's behalf, and the figures the hosting
//! overview shows beside `operation_counts` (last post, database size).

use super::{Backend, BeginWrite, Store, UserRecord, on_pool};
use anyhow::Context;
use sqlx::FromRow;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/hosting/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/hosting/postgres");

/// Inside a transaction `$tx`: writes down that the post `$post_id` was `$action`
/// (published, updated, deleted) by `$by`, the regency on the village's behalf; in the
/// post's own transaction, so that a change is never kept without its line of history.
macro_rules! insert_on_behalf_write {
    ($tx:ident, $post_id:expr, $action:expr, $by:expr, $now:expr) => {
        sqlx::query(
            "INSERT INTO on_behalf_writes (post_id, action, written_by, written_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind($post_id)
        .bind($action)
        .bind($by)
        .bind($now)
        .execute(&mut *$tx)
    };
}
pub(super) use insert_on_behalf_write;

/// The hosting node's own store. Only the account methods of [`Store`] may be called on
/// what [`HostingStore::accounts`] gives: it holds no other table.
#[derive(Clone, Debug)]
pub struct HostingStore {
    accounts: Store,
}

impl HostingStore {
    /// Opens (creating it if needed) and migrates the hosting store at `url`.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let store = Store::open(url).await?;
        match &store.backend {
            Backend::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Backend::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        }
        .context("running the hosting store's migrations")?;
        Ok(Self { accounts: store })
    }

    /// The hosting administrators' accounts, sessions and sign-in counters, for `auth`.
    pub fn accounts(&self) -> &Store {
        &self.accounts
    }

    /// The hosting administrators, with their password hashes: what `kentongan backup`
    /// carries so that a restored node's staff sign in as before.
    pub async fn staff(&self) -> anyhow::Result<Vec<UserRecord>> {
        self.accounts.users().await
    }

    /// Puts back the hosting administrators of a backup (`staff`), all or none, each
    /// under its name with its password hash; their ids are new (no session or sign-in
    /// counter comes with them), so a name already here refuses the whole.
    pub async fn restore_staff(&self, staff: &[UserRecord]) -> anyhow::Result<()> {
        on_pool!(self.accounts, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            for user in staff {
                sqlx::query(
                    "INSERT INTO users (username, display_name, password_hash, role, language, \
                       disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&user.username)
                .bind(&user.display_name)
                .bind(&user.password_hash)
                .bind(user.role.as_str())
                .bind(&user.language)
                .bind(user.disabled)
                .bind(user.created_at)
                .execute(&mut *tx)
                .await
                .with_context(|| format!("restoring the hosting administrator {}", user.username))?;
            }
            tx.commit().await.context("committing the hosting administrators")?;
        });
        Ok(())
    }

    pub async fn close(&self) {
        self.accounts.close().await
    }
}

/// One line of a village's history of what the regency wrote on its behalf.
#[derive(Clone, Debug, FromRow)]
pub struct OnBehalfWrite {
    pub public_id: String,
    pub title: String,
    /// published, updated or deleted.
    pub action: String,
    /// The hosting administrator, as the sign-in named them.
    pub written_by: String,
    pub written_at: i64,
    /// The post is deleted now (by this write or a later one).
    pub post_deleted: bool,
}

impl Store {
    /// Keeps a one-time sign-in (by its token's hash) for the account `user_id`, on behalf
    /// of `on_behalf_of`, usable until `expires_at`.
    pub async fn create_hosting_sign_in(
        &self,
        token_hash: &str,
        user_id: i64,
        on_behalf_of: &str,
        now: i64,
        expires_at: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            // The used and expired ones are of no further use: forgotten as new ones come.
            sqlx::query("DELETE FROM hosting_sign_ins WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut *tx)
                .await
                .context("forgetting old hosting sign-ins")?;
            sqlx::query(
                "INSERT INTO hosting_sign_ins (token_hash, user_id, on_behalf_of, created_at, \
                   expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(on_behalf_of)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await
            .context("keeping a hosting sign-in")?;
            tx.commit().await.context("committing a hosting sign-in")?;
        });
        Ok(())
    }

    /// Uses a one-time sign-in: the account and whom it is on behalf of, once, and only
    /// before it expires.
    pub async fn take_hosting_sign_in(
        &self,
        token_hash: &str,
        now: i64,
    ) -> anyhow::Result<Option<(i64, String)>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "UPDATE hosting_sign_ins SET used_at = $2 \
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
                 RETURNING user_id, on_behalf_of",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await
            .context("using a hosting sign-in")?
        }))
    }

    /// The latest `limit` things the regency wrote on the village's behalf, newest first.
    pub async fn recent_on_behalf_writes(&self, limit: i64) -> anyhow::Result<Vec<OnBehalfWrite>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT p.public_id, p.title, w.action, w.written_by, w.written_at, \
                   (p.deleted_at IS NOT NULL) AS post_deleted \
                 FROM on_behalf_writes w JOIN posts p ON p.id = w.post_id \
                 ORDER BY w.written_at DESC, w.id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await
            .context("reading what was written on the village's behalf")?
        }))
    }

    /// What the regency wrote of one post on the village's behalf, oldest first.
    pub async fn on_behalf_writes_of(&self, post_id: i64) -> anyhow::Result<Vec<OnBehalfWrite>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT p.public_id, p.title, w.action, w.written_by, w.written_at, \
                   (p.deleted_at IS NOT NULL) AS post_deleted \
                 FROM on_behalf_writes w JOIN posts p ON p.id = w.post_id \
                 WHERE w.post_id = $1 ORDER BY w.written_at, w.id",
            )
            .bind(post_id)
            .fetch_all(pool)
            .await
            .context("reading what was written of a post on the village's behalf")?
        }))
    }

    /// When the latest post still published was published (Unix ms), if any.
    pub async fn last_post_at(&self) -> anyhow::Result<Option<i64>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT MAX(published_at) FROM posts WHERE deleted_at IS NULL")
                .fetch_one(pool)
                .await
                .context("reading the latest post's date")?
        }))
    }

    /// On PostgreSQL, the bytes the site's schema takes (tables with their indexes and
    /// TOAST); `None` on SQLite, whose file is in the site's folder.
    pub async fn schema_bytes(&self) -> anyhow::Result<Option<i64>> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(None),
            Backend::Postgres(pool) => {
                let bytes: i64 = sqlx::query_scalar(
                    "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::BIGINT \
                     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = current_schema() AND c.relkind = 'r'",
                )
                .fetch_one(pool)
                .await
                .context("measuring the site's schema")?;
                Ok(Some(bytes))
            }
        }
    }
}
